from katapp import create_app

app = create_app()
