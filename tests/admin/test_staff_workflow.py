"""Issue #18, staff: invitation links to copy or share, the care-team boxes of the new-account form,
a clinician's patients on their account page, and care teams on Accounts."""
import re


def test_invitation_link_has_copy_and_share_buttons(admin, login_as):
    c = login_as(admin)
    html = c.post("/admin/users/new", data={"csrf_token": c.csrf, "email": "new@example.org", "display_name": "New One",
                                            "role": "clinician", "timezone": "UTC"}).get_data(as_text=True)
    url = re.search(r'id="invite-url"[^>]*value="([^"]+)"', html).group(1)
    assert "/invite/" in url
    assert '<button type="button" class="button primary" data-copy="#invite-url">Copy link</button>' in html
    assert re.search(r'<button type="button" class="button" data-share="#invite-url"[^>]* hidden>Share…</button>', html)
    assert 'id="copy-status" class="hint" role="status"' in html


def test_new_invitation_link_is_apart_from_save(admin, make_user, login_as):
    invited = make_user("clinician", password_hash=None)
    html = login_as(admin).get(f"/admin/users/{invited.id}").get_data(as_text=True)
    save, again = html.index(">Save<"), html.index(">New invitation link<")
    assert save < again and '</form>' in html[save:again]
    assert re.search(r'<form method="post" action="/admin/users/\d+/invite" class="after-form">', html)
