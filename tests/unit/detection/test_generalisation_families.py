"""Families of phrasings fixed as families (issue 11): the automatic tier only acts on what it reads
whole, a wish to stay is never read as an opt-out, and "how do I get off this list?" goes to review."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from desktop_app.domain.detection import Detector, Lexicon
from desktop_app.domain.detection.second_opinion import SecondOpinion
from desktop_app.domain.model import VerdictKind

LEXICON = Lexicon.load_default()
RULES = Detector(LEXICON, cache_size=0)


@pytest.mark.parametrize(
    "text",
    [
        "stop sending me messages",
        "Bitte keine Nachrichten mehr",
        "no me manden más mensajes",
        "Unsubscribe me please",
    ],
)
def test_a_request_read_whole_is_still_automatic(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "please stop sending these, my neighbour Margaret borrowed the phone yesterday",
        "pare de mandar mensagens, minha vizinha pegou emprestado meu celular ontem",
        "Hört auf mit den Nachrichten, meine Nachbarin Gerlinde benutzt gerade dieses Telefon",
    ],
)
def test_unknown_words_around_a_request_send_it_to_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT
    assert not verdict.auto, "words the lexicon does not know may change the meaning: a human looks"


@pytest.mark.parametrize(
    "text",
    ["undo unsubscribe", "that stop wasn't for you", "deshacer la baja por favor", "STOP war nicht für euch"],
)
def test_taking_back_a_stop_is_never_an_automatic_opt_out(text: str) -> None:
    verdict = RULES.classify(text)
    assert not (verdict.kind is VerdictKind.OPT_OUT and verdict.auto)
    assert verdict.kind is VerdictKind.OPT_IN


@pytest.mark.parametrize(
    "text",
    [
        "Nataka kusitisha malipo ya gym kwa miezi miwili",
        "please stop my membership payments for the summer",
    ],
)
def test_stopping_a_service_is_not_an_automatic_opt_out(text: str) -> None:
    verdict = RULES.classify(text)
    assert not (verdict.kind is VerdictKind.OPT_OUT and verdict.auto)


@pytest.mark.parametrize(
    "text",
    [
        "how do i get off this list",
        "How do I unsubscribe from this?",
        "como saio dessa lista??",
        "hoe kom ik van deze lijst af??",
        "comment on sort de cette liste ??",
        "как выйти из этой рассылки??",
        "Come faccio a non ricevere più questi messaggi?",
        "Como faço pra parar de receber isso?",  # "receber" is also an opt-in keyword
        "Is there any way to make these stop??",
        "كيف أوقف هالرسايل؟",
        "Comment je fais pour ne plus recevoir ça ?",
    ],
)
def test_asking_how_to_leave_these_messages_goes_to_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "how do I unsubscribe?",
        "how do I unsubscribe from your emails?",
        "if I ever want to stop, what do I type?",
        "how do I join the list?",
    ],
)
def test_asking_how_opting_out_works_is_not_a_request(text: str) -> None:
    assert RULES.classify(text).kind is not VerdictKind.OPT_OUT


def _confident_opt_out(line: str) -> Sequence[tuple[float, str]]:
    return [(0.97, "__label__opt_out"), (0.02, "__label__opt_in"), (0.01, "__label__none")]


@pytest.mark.parametrize(
    "text",
    [
        "je veux continuer à recevoir vos messages",
        "nataka kuendelea kupokea ujumbe",
        "baddi dall est2bel rasa2el",
    ],
)
def test_the_model_never_reads_a_wish_to_stay_as_an_opt_out(text: str) -> None:
    detector = Detector(LEXICON, cache_size=0, second_opinion=SecondOpinion(_confident_opt_out, 0.5))
    assert detector.classify(text).kind is not VerdictKind.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "forget my STOP from yesterday, I still want the messages",
        "Vergeet mijn STOP van gisteren, ik wil de berichten toch houden",
        "Забудьте мой вчерашний СТОП, я хочу получать ваши сообщения",
        "Sahauni STOP ya jana, bado nataka ujumbe wenu",
        "kal wala STOP bhool jao bhaiya, offers bhejte rehna",
    ],
)
def test_forgetting_an_earlier_stop_is_an_opt_in_for_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_IN and not verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "Mi nieta escribió BAJA en mi celular, no me saquen de la lista",
        "Внук написал СТОП с моего телефона, не удаляйте меня из рассылки",
        "mere bete ne phone se STOP likh diya, mujhe list se mat hatao",
        "Mtoto wangu aliandika STOP kwenye simu yangu, msiniondoe kwenye orodha",
    ],
)
def test_a_reported_stop_then_dont_remove_me_is_an_opt_in(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_IN and not verdict.auto


@pytest.mark.parametrize("text", ["Não me tirem, adoro essas promoções", "Msiniondoe, napenda ofa hizi"])
def test_dont_remove_me_without_a_stop_in_view_is_chat(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


def test_taken_back_onto_the_list_is_not_a_removal() -> None:
    verdict = RULES.classify("bitte nehmt mich wieder in die Liste auf")
    assert verdict.kind is not VerdictKind.OPT_OUT


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("বন্ধ করুন", ["বন্ধ", "করুন"]),  # Bengali: virama and vowel signs stay in their word
        ("หยุดส่งข้อความ", ["หยุดส่งข้อความ"]),  # Thai: tone marks and vowels are not separators
        ("शुरू", ["शुरू"]),
        ("STOP!!! 🙅‍♂️", ["stop", "🙅", "♂"]),  # the emoji variation selector is no word
        ("Arrêtez!!", ["arretez"]),  # Latin accents still fold
    ],
)
def test_words_keep_their_combining_marks_in_any_script(text: str, words: list[str]) -> None:
    from desktop_app.domain.detection.normalize import tokenize

    assert [token.norm for token in tokenize(text).tokens] == words


def test_a_devanagari_keyword_rule_names_the_whole_word() -> None:
    assert RULES.classify("शुरू").rule == "keyword:hi:शुरू"


@pytest.mark.parametrize(
    "text",
    [
        "min a3tak ra2mi?",
        "mish mhtam",
        "ra2m ghalat",
        "مين عطاكم رقمي؟",
        "namba si sahihi",
        "how'd you even get my number",
        "D'où vous avez mon numéro ?",
        "Ich war nie Kunde bei Ihnen",
    ],
)
def test_denied_consent_and_declines_go_to_review_in_every_language(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize(
    ("text", "scope"),
    [
        ("بس تحديثات الطلب، بدون عروض", "marketing"),
        ("Seulement les avis de livraison", "marketing"),
        ("I'm revoking consent", "all"),
        ("withdrawal of consent", "all"),
        ("BAJA gracias, ya lo había pedido", "all"),
        ("baddi ultaghi el eshtirak", "all"),
    ],
)
def test_legal_words_asides_and_positive_limits(text: str, scope: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.scope == scope


@pytest.mark.parametrize(
    "text", ["is STOP free to send?", "Comment je me désabonne de vos SMS ? ici c'est bien"]
)
def test_questions_about_the_keyword_or_another_channel_are_not_requests(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


def _lexicon_with(tmp_path, facts: object) -> Lexicon:
    import json

    (tmp_path / "bn.json").write_text(
        json.dumps({"language": "bn", "facts": facts, "opt_out": ["বন্ধ করুন"]}), encoding="utf-8"
    )
    return Lexicon.from_files(tmp_path)


def test_a_new_language_is_a_file_with_its_facts(tmp_path) -> None:
    lexicon = _lexicon_with(tmp_path, {"priority": 3, "script": "Bengali", "free_word_order": True})
    detector = Detector(lexicon, cache_size=0)
    verdict = detector.classify("বন্ধ করুন 🙏")
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto and verdict.language == "bn"
    assert detector.classify("আজ দোকান খোলা?").language == "bn"  # named by its script
    assert "bn" in lexicon.language_facts.free_word_order


@pytest.mark.parametrize(
    "facts", [{"script": "Klingon"}, {"priority": "high"}, {"word_order": "free"}, ["Latin"]]
)
def test_bad_language_facts_are_refused_with_the_file_name(tmp_path, facts: object) -> None:
    with pytest.raises(ValueError, match=r"bn\.json"):
        _lexicon_with(tmp_path, facts)


def test_the_shipped_languages_keep_their_order_and_grammar() -> None:
    facts = LEXICON.language_facts
    assert facts.rank("en") < facts.rank("es") < facts.rank("sw") < facts.rank("ar-Latn")
    assert {"de", "nl"} == facts.separable_verbs
    assert {"de", "tr", "ru", "hi", "ar", "ar-Latn"} <= facts.free_word_order
    assert (facts.by_script("Привет"), facts.by_script("नमस्ते"), facts.by_script("مرحبا")) == (
        "ru",
        "hi",
        "ar",
    )


@pytest.mark.parametrize(
    "text",
    [
        "that STOP was my toddler, sorry!",
        "I changed my mind about stopping, please continue",
        "أبغى أرجع أستقبل رسايلكم",
        "rja3o b3atouli el 3orood",
    ],
)
def test_more_ways_to_take_back_a_stop_or_come_back(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.OPT_IN


def test_start_with_an_apology_is_still_the_keyword() -> None:
    verdict = RULES.classify("START. Sorry for the confusion")
    assert verdict.kind is VerdictKind.OPT_IN and verdict.auto


def test_changing_ones_mind_towards_stopping_still_stops() -> None:
    verdict = RULES.classify("I changed my mind, stop sending me messages")
    assert verdict.kind is VerdictKind.OPT_OUT


@pytest.mark.parametrize(
    "text",
    [
        "I switched to another gym in March",
        "Cambié de farmacia hace poco",
        "Ich gehe nicht mehr in dieses Studio",
        "Я больше не хожу в ваш зал",
        "sar li shahrein ma ro7t 3al gym",
        "Siendi tena kwenye duka lenu",
    ],
)
def test_a_former_customer_goes_to_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto
    assert "no longer a customer" in verdict.explanation


@pytest.mark.parametrize(
    "text",
    [
        "promos at midnight?? seriously",
        "23h et vous m'envoyez des promos ??",
        "usiku mnatuma matangazo??",
        "matangazo usiku wa manane??",  # "wa" (Indonesian "WA") is a stray reading here
    ],
)
def test_messages_at_night_complained_about_go_to_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        "do you know another gym near here?",
        "I moved to another city, can I cancel my membership?",
        "I changed my number, use this one",
        "can you deliver at 11pm?",
        "is the midnight sale still on?",
        "what time do you close at night?",
    ],
)
def test_other_places_and_late_hours_in_chat_are_not_requests(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


@pytest.mark.parametrize(
    "text",
    [
        "Solo lo scontrino, grazie",
        "Sadece fatura yeterli",
        "saya cuma mau notif pesanan",
        "Tylko paragon proszę",
        "solo mándenme la confirmación del pedido",
        "أبغى بس إشعار الاستلام",
    ],
)
def test_only_the_updates_limits_the_request_to_marketing(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.scope == "marketing" and not verdict.auto


def test_a_lone_word_of_another_language_does_not_change_the_grammar() -> None:
    # "la" is "no" in Arabizi; in this Spanish sentence it is the article.
    assert RULES.classify("solo mándenme la confirmación del pedido").language == "es"


def test_signing_up_again_in_polish_is_an_opt_in() -> None:
    assert RULES.classify("Chcę się znowu zapisać").kind is VerdictKind.OPT_IN


@pytest.mark.parametrize(
    "text",
    ["can you stop?", "Toplu mesaj listesinden çıkarır mısınız?", "Bisa tolong hapus saya dari daftar?"],
)
def test_a_polite_question_asking_to_stop_goes_to_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize("text", ["can you stop by tomorrow?", "could you stop at the bakery on your way?"])
def test_a_polite_question_about_something_else_is_not_a_request(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


@pytest.mark.parametrize("text", ["STPO", "unsubscibe", "Abmeldne"])
def test_a_swapped_or_missing_letter_is_still_the_keyword(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto


@pytest.mark.parametrize("text", ["unsubscrive", "cancek"])
def test_a_changed_letter_may_be_another_word_so_it_waits_for_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize("text", ["Abbestellung", "desinscríbanme"])
def test_an_unlisted_request_form_of_a_stop_word_is_automatic(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto, verdict.rule


@pytest.mark.parametrize("text", ["STOP", "Stop please 🙏", "stoooop", "cancel this"])
def test_the_exact_keyword_with_only_courtesy_or_stretching_stays_automatic(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto


@pytest.mark.parametrize(
    "text", ["Cancelled 👍", "Stopped", "cancelado", "отменено", "stopwatch", "Stopover", "abgemeldet"]
)
def test_an_unlisted_form_of_a_stop_word_is_reviewed_never_applied(text: str) -> None:
    # "Cancelled 👍" may confirm an order cancellation; only listed keyword forms are exact signals.
    verdict = RULES.classify(text)
    assert not (verdict.kind is VerdictKind.OPT_OUT and verdict.auto)


@pytest.mark.parametrize(
    "text",
    [
        "wait stop, I meant size M not L",
        "arrêtez pas les promos, j'adore",
        "please remove the onions from my order",
    ],
)
def test_look_alikes_in_order_chat_are_not_opt_outs(text: str) -> None:
    assert RULES.classify(text).kind is not VerdictKind.OPT_OUT


def test_a_mistake_about_a_photo_takes_back_no_stop() -> None:
    assert RULES.classify("delete the photo I sent by mistake").rule == "none"


@pytest.mark.parametrize(
    "text",
    [
        "nothing until January please",
        "please pause the messages until March",
        "Jangan kirim apa-apa sampai Januari ya",
        "Non mandatemi niente fino a gennaio per favore",
        "Ocak'a kadar hiçbir şey göndermeyin lütfen",
        "Não me mandem nada até janeiro, por favor",
    ],
)
def test_a_pause_is_an_opt_out_for_review(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and not verdict.auto


@pytest.mark.parametrize(
    "text", ["nothing until I pick up the cake on Friday", "can you hold the order until Friday?"]
)
def test_until_in_order_chat_is_no_pause(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


@pytest.mark.parametrize(
    "text",
    [
        "revogação do consentimento",
        "widerruf der Einwilligung",
        "Hab letzte Woche STOPP geschickt und es kommt immer noch was",
        "por favor dejen de escribirle a mi mamá",
        "Nifanye nini ili ujumbe huu usije tena?",
    ],
)
def test_legal_nouns_repeated_requests_and_messages_to_a_relative(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.OPT_OUT


@pytest.mark.parametrize("text", ["STOP ya 3amme", "elgha2 ya shabeb", "ACHA basi", "PARE moço"])
def test_a_keyword_with_a_form_of_address_stays_automatic(text: str) -> None:
    verdict = RULES.classify(text)
    assert verdict.kind is VerdictKind.OPT_OUT and verdict.auto


@pytest.mark.parametrize(
    "text",
    [
        'the "unsubscribe" button in your email takes me to a 404 page',
        "Ссылка «отписаться» в письме не работает",
        'your message says "reply STOP to unsubscribe", does that cost anything?',
    ],
)
def test_a_quoted_stop_word_with_words_around_it_is_mentioned_not_used(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.NONE


@pytest.mark.parametrize("text", ['"STOP"', 'I said "STOP" twice already'])
def test_a_quoted_stop_alone_or_insisted_on_is_still_a_request(text: str) -> None:
    assert RULES.classify(text).kind is VerdictKind.OPT_OUT
