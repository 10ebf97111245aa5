from flask import Blueprint

from katapp import chart_svg

bp = Blueprint("dashboard", __name__, template_folder="templates")
# {% set data, picture = chart_svg(figure, label, id) %}: a figure's JSON and its static SVG (_chart.html).
bp.add_app_template_global(chart_svg.embed, "chart_svg")

from katapp.dashboard import routes  # noqa: E402,F401
