"""Settings → Messages to customers: the switches, the texts per language and the live preview bubble."""

from __future__ import annotations

from desktop_app.services.journey_texts import JourneyTexts
from tests.ui.test_settings import save


def open_tab(qtbot, window):
    dialog = window.open_settings()
    dialog.tabs.setCurrentWidget(dialog.journeys)
    return dialog, dialog.journeys


def test_switching_every_journey_off_is_saved(qtbot, window):
    dialog, tab = open_tab(qtbot, window)
    fields = ["journey_transparency", "journey_scope_buttons", "journey_preferences", "journey_reminders"]
    current = window.services.shop.current()
    for field in [*fields, "journey_page"]:
        assert tab.switches[field].isChecked() == getattr(current, field)  # the tab shows what is saved
        tab.switches[field].setChecked(False)
    assert tab.switches["journey_preferences"].isChecked() is False
    tab.keywords.setText("MENU, , options")
    save(qtbot, dialog)
    saved = window.services.shop.current()
    assert [getattr(saved, f) for f in [*fields, "journey_page"]] == [False] * 5
    assert saved.preferences_keywords == ["MENU", "options"]


def test_an_edited_text_changes_the_preview_and_is_saved_and_reset_removes_it(qtbot, window):
    dialog, tab = open_tab(qtbot, window)
    edit = tab.fields["button_scope_all"]
    qtbot.keyClicks(edit, "Stop it all")
    preview = tab.previews["journey_scope_buttons"]
    assert [b.title for b in preview.message.buttons] == ["Stop it all", "Only stop offers"]
    assert "Stop it all" in preview.text()
    save(qtbot, dialog)
    assert window.services.shop.current().journey_templates == {"en": {"button_scope_all": "Stop it all"}}

    dialog, tab = open_tab(qtbot, window)
    assert tab.fields["button_scope_all"].text() == "Stop it all"
    tab.reset("button_scope_all")
    assert tab.previews["journey_scope_buttons"].message.buttons[0].title == "Stop everything"
    save(qtbot, dialog)
    assert window.services.shop.current().journey_templates == {}


def test_another_language_shows_its_defaults_right_to_left_for_arabic(qtbot, window):
    texts = JourneyTexts.load_default()
    dialog, tab = open_tab(qtbot, window)
    language = "ar" if "ar" in texts.languages else next(c for c in texts.languages if c != "en")
    tab.language.setCurrentIndex(tab.language.findData(language))
    assert tab.fields["scope_question"].placeholderText() == texts.default_text(language, "scope_question")
    preview = tab.previews["journey_scope_buttons"]
    assert len(preview.message.buttons) == 2
    assert preview.message.buttons[0].title == texts.default_text(language, "button_scope_all")
    dialog.resize(760, 640)
    dialog.grab().save("/tmp/shot-settings-journeys-ar.png")
    tab.language.setCurrentIndex(tab.language.findData("en"))
    dialog.grab().save("/tmp/shot-settings-journeys.png")
