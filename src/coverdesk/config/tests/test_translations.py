from coverdesk.config.management.commands.translations import _stable, untranslated

WRAPPED = """msgid ""
msgstr ""
"POT-Creation-Date: 2026-11-22 08:00+0800\\n"

#. a comment
msgid "Policy {number} expires soon."
msgstr ""
"保单 {number} "
"即将到期。"
"""
ONE_LINE = """msgid ""
msgstr ""
"POT-Creation-Date: 2026-11-23 09:00+0800\\n"

msgid "Policy {number} expires soon."
msgstr "保单 {number} 即将到期。"
"""


def test_wrapping_comments_and_dates_do_not_make_a_catalogue_stale():
    assert _stable(WRAPPED) == _stable(ONE_LINE)
    assert _stable(ONE_LINE) != _stable(ONE_LINE.replace("expires soon", "has expired"))
    assert _stable(ONE_LINE) != _stable(ONE_LINE.replace("即将到期", "已到期"))


def test_empty_fuzzy_and_incomplete_plural_entries_are_untranslated(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        ONE_LINE
        + '\nmsgid "Claim"\nmsgstr ""\n'
        + '\n#, fuzzy\nmsgid "Claims"\nmsgstr "理赔"\n'
        + '\nmsgid "%(n)s day"\nmsgid_plural "%(n)s days"\nmsgstr[0] ""\n'
        + '\nmsgid "%(n)s hour"\nmsgid_plural "%(n)s hours"\nmsgstr[0] "%(n)s 小时"\n',
        encoding="utf-8",
    )
    assert untranslated(po) == ["Claim", "Claims", "%(n)s day"]
