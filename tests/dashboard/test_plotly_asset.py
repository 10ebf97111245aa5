"""plotly.js: served by the app, compressed, content-hashed, cached for a year, only on chart pages."""
import gzip
import re

import pytest

from katapp.dashboard import plotly_asset

pytestmark = pytest.mark.skipif(False, reason="")

@pytest.fixture
def plotly_url(login_as, clinician, patient):
    assert plotly_asset.FILE.exists(), "run scripts/vendor_assets.py (make test does)"
    html = login_as(clinician).get(f"/patients/{patient.id}").get_data(as_text=True)
    match = re.search(r'<script src="/static/js/charts\.js\?v=\w+" data-plotly="(/vendor/plotly-[0-9a-f]{16}\.min\.js)"'
                      r' data-plotly-css="/static/vendor/plotly\.css\?v=\w+" defer>', html)
    assert match, "no plotly script on the dashboard"
    assert 'href="/static/vendor/plotly.css' not in html  # charts.js adds it with plotly.js, not before
    return match.group(1)

def test_plotly_is_served_gzipped_and_immutable(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "gzip, br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert "Accept-Encoding" in response.headers["Vary"]
    assert gzip.decompress(response.data) == plotly_asset.FILE.read_bytes()

def test_plotly_plain_for_clients_without_gzip(client, plotly_url):
    response = client.get(plotly_url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in response.headers
    assert response.data[:200] == plotly_asset.FILE.read_bytes()[:200]
    assert response.mimetype == "text/javascript"

def test_a_stale_hash_is_404(client, plotly_url):
    assert client.get("/vendor/plotly-0000000000000000.min.js").status_code == 404

def test_pages_render_tables_without_plotly(login_as, clinician, patient, seed_history, monkeypatch, tmp_path):
    seed_history(patient, clinician, days=12, phq=[20, 12, 9], sessions=2)
    monkeypatch.setattr(plotly_asset, "FILE", tmp_path / "missing.js")
    response = login_as(clinician).get(f"/patients/{patient.id}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "plotly" not in html and "charts.js" not in html
    # effect by session, PHQ-9 by date, mood, PHQ-9 items: drawn as static SVG, with a note
    assert html.count("Interactive charts are not available on this server right now") == 4
    assert html.count('class="chart-svg"') == 4
    assert "<table>" in html and "Numbers by session" in html

PLOTLY_IN_HEAD = re.compile(r'<(?:script|link)\b[^>]*(?:src|href)="[^"]*plotly[^"]*"[^>]*>', re.I)


def test_no_chart_page_fetches_plotly_before_its_first_paint(login_as, clinician, patient, admin, seed_history):
    """Every page with charts (issue #16 item 4): the static SVG is in the HTML, and the only mention of
    plotly.js is charts.js's data attribute (fetched on tap or when idle): no script tag, stylesheet,
    preload or prefetch of it that a phone would fetch or parse before the chart shows."""
    seed_history(patient, clinician, days=20, phq=[20, 12, 9], sessions=2)
    pages = [(patient, "/progress"), (clinician, f"/patients/{patient.id}"), (clinician, f"/patients/{patient.id}/report"),
             (clinician, "/caseload"), (admin, "/clinic")]
    for user, url in pages:
        html = login_as(user).get(url).get_data(as_text=True)
        assert 'class="chart-svg"' in html or 'class="spark"' in html, url
        assert PLOTLY_IN_HEAD.findall(html) == [], url
        assert 'rel="preload"' not in html and 'rel="modulepreload"' not in html and 'rel="prefetch"' not in html, url
