"""Messages that only contain a trigger word must not become opt-outs or opt-ins."""

from __future__ import annotations

import pytest

from desktop_app.domain.detection import classify
from desktop_app.domain.model import VerdictKind

HARD_NEGATIVES = [
    # visits, places and idioms
    "can you stop by tomorrow?",
    "I'll stop in later to pick it up",
    "the bus stop near your shop",
    "Your shop is my one-stop shop",
    "STOP the presses, this cake is amazing",
    "Stop! That dress is gorgeous",
    "¿La tienda está en la planta baja?",
    "Kak, jual stop kontak?",
    "Basta che sia pronto entro le 5",
    "Où est l'arrêt de tram ?",
    "Waar is de bushalte?",
    "shop kitne baje band hoti hai?",
    "आप कितने बजे दुकान बंद करते हैं?",
    "Acha nikuulize, bei gani?",
    # negated requests: the customer wants the messages
    "don't stop sending the deals!",
    "Please don't remove me from the list",
    "No dejen de enviarme las promos!",
    "Não parem de mandar as ofertas",
    "Hört nicht auf mit den tollen Angeboten!",
    "Non smettete di mandare offerte!",
    "لا توقفوا العروض",
    "offers band mat karna yaar",
    "I never want these deals to stop!",
    # service cancellations
    "I want to cancel my order #123",
    "Please cancel my appointment tomorrow",
    "How do I unsubscribe from my gym membership?",
    "I want to quit my yoga class",
    "Please stop the repair, it's too expensive",
    "quiero cancelar la reserva del sábado",
    "Quero cancelar o pedido 123",
    "Je voudrais annuler mon rendez-vous",
    "Ich möchte meinen Termin absagen",
    "Vorrei annullare l'ordine",
    "Ik wil mijn bestelling annuleren",
    "أريد إلغاء الحجز",
    "मेरा ऑर्डर कैंसिल करना है",
    "Randevumu iptal etmek istiyorum",
    "Хочу отменить запись на завтра",
    "Chcę odwołać wizytę",
    "Nataka kughairi oda",
    # timing questions, goods and devices
    "when does the sale end?",
    "Does the deal end tonight?",
    "C'est la fin des soldes ?",
    "Wann endet die Aktion?",
    "Когда заканчивается акция?",
    "Kampanya ne zaman bitiyor?",
    "متى ينتهي العرض؟",
    "Can you remove the tag from the dress?",
    "No more cake for me, I'm on a diet haha",
    "Do you have any more red shoes?",
    "my phone won't stop ringing",
    "stop sending me the wrong size!!",
    "I didn't get the message about my order",
    "Can you send me the offer details?",
    "Saya mau pesan kue ulang tahun",
    # questions about how opting out works
    "If I reply STOP, will I still get my order updates?",
]


@pytest.mark.parametrize("text", HARD_NEGATIVES)
def test_trigger_words_in_ordinary_messages_are_not_requests(text: str) -> None:
    verdict = classify(text)
    assert verdict.kind is VerdictKind.NONE, f"{text!r} -> {verdict.rule}"
    assert verdict.scope is None
    assert verdict.auto is False
    assert verdict.confidence == 0.0


@pytest.mark.parametrize(
    "text",
    [
        "Lots of messages from you today haha",
        "me llegan mensajes todos los días jaja",
        "hmm not today",
        "Is this an automated message?",
        "Can you send fewer messages? Once a week is plenty",
        "Ok thanks 👍",
        "",
    ],
)
def test_neutral_remarks_are_not_requests(text: str) -> None:
    assert classify(text).kind is VerdictKind.NONE, text
