"""A bare Flask hello-world: the yardstick the check-in write path is measured against (`make bench`)."""
from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "Hello, World!"
