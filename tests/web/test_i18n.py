"""Template translation helpers."""

from flask import render_template_string
from flask_babel import force_locale


def test_template_gettext_escapes_variables_and_formats_them(app):
    with app.test_request_context("/es/"), force_locale("es"):
        html = render_template_string("{{ _('Phone: %(phone)s', phone='<b>1</b>') }}")
    assert html == "Teléfono: &lt;b&gt;1&lt;/b&gt;"


def test_template_ngettext_picks_the_plural_and_fills_num(app):
    with app.test_request_context("/fr/"), force_locale("fr"):
        one = render_template_string("{{ ngettext('%(num)d page found', '%(num)d pages found', 1) }}")
        many = render_template_string("{{ ngettext('%(num)d page found', '%(num)d pages found', 3) }}")
    assert one.startswith("1 ") and many.startswith("3 ") and one != many.replace("3", "1")


def test_a_render_inside_force_locale_uses_that_locale(app):
    with app.test_request_context("/en/"), force_locale("es"):
        assert render_template_string("{{ _('Get help now') }}") == "Pida ayuda ahora"
