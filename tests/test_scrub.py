"""The free-text scrubber: typed placeholders, near-misses left alone, measured on a corpus."""

from __future__ import annotations

import itertools
import unicodedata

import pytest

from bench.scrub_corpus import CUE_STAFF_NAMES, CUE_UNITS, load_corpus, measure_corpus
from feedbot.languages import LANGUAGES
from feedbot.scrub import (
    PLACEHOLDERS,
    Finding,
    _word_set,
    find_personal_data,
    is_everyday_word,
    scrub,
)

RECALL_FLOOR = 0.95
PRECISION_FLOOR = 0.90
SURVEY_LANGUAGES = (
    "en",
    "es",
    "fr",
    "ht",
    "ko",
    "pt",
    "ru",
    "tl",
    "vi",
    "ar",
    "zh_Hans",
    "zh_Hant",
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Call (202) 555-0143 please", "Call [PHONE] please"),
        ("or 202.555.0143, or +1 202 555 0143", "or [PHONE], or [PHONE]"),
        ("mi hermana: +52 55 1234 5678", "mi hermana: [PHONE]"),
        ("my number is 555-0147", "my number is [PHONE]"),
        ("mail jo.lee+va@example.com now", "mail [EMAIL] now"),
        ("write to maria dot lopez at example dot com", "write to [EMAIL]"),
        ("reach me at maria.lopez(at)gmail.com.", "reach me at [EMAIL]."),
        ("email me: maria (at) gmail (dot) com", "email me: [EMAIL]"),
        ("maria[at]example[dot]com", "[EMAIL]"),
        ("you can write me mike1985 at comcast.net", "you can write me [EMAIL]"),
        ("contact jdoe-smith at lawfirm.com if needed", "contact [EMAIL] if needed"),
        ("jane_doe at army.mil", "[EMAIL]"),
        ("john.doe at va dot gov", "[EMAIL]"),
        ("my work email jane.doe at state.gov", "my work email [EMAIL]"),
        ("email maria at gmail.com", "email [EMAIL]"),
        ("email maria at example.com", "email [EMAIL]"),
        ("my email is maria.lopez at gmail.com", "my email is [EMAIL]"),
        ("john at gmail.com", "[EMAIL]"),
        ("Mi correo es lupe at example.com", "Mi correo es [EMAIL]"),
        ("email maria @ example . com", "email [EMAIL]"),
        ("SSN 123-45-6789.", "SSN [SSN]."),
        ("social security 123 45 6789", "social security [SSN]"),
        ("seguro social 123456789", "seguro social [SSN]"),
        ("123456789 is my SSN", "[SSN] is my SSN"),
        ("my social is 123456789", "my social is [SSN]"),
        ("social 123456789", "social [SSN]"),
        ("123456789 is my social", "[SSN] is my social"),
        ("my ss number 123456789", "my ss number [SSN]"),
        ("SSN 123 456 789", "SSN [SSN]"),
        ("ssn 1234 56789", "ssn [SSN]"),
        ("my ssn is 1 2 3 4 5 6 7 8 9", "my ssn is [SSN]"),
        ("SSN 123456789 2 times", "SSN [SSN] 2 times"),
        ("card 4111-1111-1111-1111 twice", "card [CARD] twice"),
        ("Amex 3782 822463 10005 declined", "Amex [CARD] declined"),
        ("paid 5500000000000004 online", "paid [CARD] online"),
        ("I live at 42 Oak Street, Apt 4B.", "I live at [ADDRESS]."),
        ("i live at 42 oak street", "i live at [ADDRESS]"),
        ("Vivo en Avenida Juárez 45.", "Vivo en [ADDRESS]."),
        ("Mi dirección es Calle 5 #123.", "Mi dirección es [ADDRESS]."),
        ("PO Box 4471, Springfield", "[ADDRESS], Springfield"),
        ("born March 3, 1962", "born [DOB]"),
        ("nací el 12 de abril de 1985", "nací el [DOB]"),
        ("DOB 04/12/85", "DOB [DOB]"),
        ("it says 1985-04-12 on my card", "it says [DOB] on my card"),
        ("my birthday is March 3 and I called May 5", "my birthday is [DOB] and I called May 5"),
        ("He nacido el 3 de junio de 1990.", "He nacido el [DOB]."),
        ("Mi papá nació en 1942.", "Mi papá nació en [DOB]."),
        ("It's 4500 Paseo del Norte NE, Apt 302", "It's [ADDRESS]"),
        ("my number is two oh two five five five zero one four three", "my number is [PHONE]"),
        ("My A-number is A-123-456-789", "My A-number is [A_NUMBER]"),
        ("A123456789 and A# 123456789", "[A_NUMBER] and [A_NUMBER]"),
        ("alien number 123 456 789", "alien number [A_NUMBER]"),
        ("receipt IOE0912345678, EAC2190012345", "receipt [RECEIPT], [RECEIPT]"),
        ("El caso IOE-09-123-45678 sigue", "El caso [RECEIPT] sigue"),
        ("passport no. 567890123", "passport no. [PASSPORT]"),
        ("mi pasaporte G12345678 venció", "mi pasaporte [PASSPORT] venció"),
        ("Medicare 1EG4-TE5-MK73 and 1EG4TE5MK73", "Medicare [MEDICARE] and [MEDICARE]"),
        ("ITIN 912-70-1234", "ITIN [ITIN]"),
        ("my ITIN is 912701234", "my ITIN is [ITIN]"),
        ("VA file number 12345678", "VA file number [VA_FILE]"),
        ("C-file C 12 345 678", "C-file [VA_FILE]"),
        ("routing 011000015 account 000123456789", "routing [ROUTING] account [ACCOUNT]"),
        ("card 4111111111111111", "card [CARD]"),
        ("DOB 03/04/2021", "DOB [DOB]"),
        ("Je suis née le 12/05/2021", "Je suis née le [DOB]"),
        ("出生日期：2021年5月12日", "出生日期：[DOB]"),
        ("我1985年3月4日出生", "我[DOB]出生"),
        (
            "passport application: passport number 567890123",
            "passport application: passport number [PASSPORT]",
        ),
        ("+63 917 123 4567, +84 91 234 56 78, +82 10-1234-5678", "[PHONE], [PHONE], [PHONE]"),
    ],
)
def test_each_kind_gets_its_placeholder(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 123–45–6789", "SSN [SSN]"),  # en dash
        ("SSN 123—45—6789", "SSN [SSN]"),  # em dash
        ("SSN 123‐45‐6789 or 123−45−6789", "SSN [SSN] or [SSN]"),  # hyphen, minus sign
        ("call 202–555–0143", "call [PHONE]"),
        ("write maria@example if you can", "write [EMAIL] if you can"),
        ("email maria@gmail dot co", "email [EMAIL]"),
        ("maria at example dot io", "[EMAIL]"),
        ("my email is maria at gmail", "my email is [EMAIL]"),
        ("lupe arroba hotmail", "[EMAIL]"),
        # Not an SSN: a social worker is no "social" cue; digits after "'s number" are a phone.
        ("my social worker's number is 123456789", "my social worker's number is [PHONE]"),
        ("my number is 123456789", "my number is [PHONE]"),
    ],
)
def test_dashes_short_addresses_and_cue_words(text, expected):
    assert scrub(text) == expected


def test_decomposed_accents_are_read_like_composed_ones():
    decomposed = unicodedata.normalize("NFD", "tên tôi là Nguyễn Văn An")
    assert scrub(decomposed) == "tên tôi là [NAME]"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("SSN 123\u00a045\u00a06789", "SSN [SSN]"),  # no-break space
        ("123\u00a045\u00a06789, thanks", "[SSN], thanks"),
        ("my ssn 123\u202f45\u202f6789", "my ssn [SSN]"),  # narrow no-break space
        ("ssn 123\t45\t6789", "ssn [SSN]"),
        ("4111\u00a01111\u00a01111\u00a01111", "[CARD]"),
        ("12.345.670-K y 912\u200970\u20091234", "[NATIONAL_ID] y [ITIN]"),  # thin space
        # Between digits and words such a space is kept as written, and counts stay counts.
        ("I waited 3\u00a045 minutes", None),
        ("SSN\u00a0123-45-6789 ok", "SSN\u00a0[SSN] ok"),
    ],
)
def test_an_ssn_or_card_with_other_spaces_between_its_groups_is_scrubbed(text, expected):
    """A no-break or thin space, as word processors and some keyboards put between a number's
    groups, was no space to the SSN and card patterns: "123\u00a045\u00a06789" was exported
    (a phone number so written was found by the matcher)."""
    assert scrub(text) == (text if expected is None else expected)


def test_a_dash_character_keeps_the_spans_of_the_text():
    assert find_personal_data("SSN 123–45–6789 ok") == [Finding("SSN", 4, 15)]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Maria Lopez and I waited", "my name is [NAME] and I waited"),
        ("hi my name is james okafor, thanks", "hi my name is [NAME], thanks"),
        ("My name is Maria de la Cruz.", "My name is [NAME]."),
        ("My name is Dr. Angela Wu", "My name is Dr. [NAME]"),
        ("MY NAME IS MARIA LOPEZ", "MY NAME IS [NAME]"),
        ("Name: Rosa Delgado, Dallas", "Name: [NAME], Dallas"),
        ("Me llamo Juan Pérez y esperé", "Me llamo [NAME] y esperé"),
        ("mi nombre es ana garcía, gracias", "mi nombre es [NAME], gracias"),
        ("je m'appelle Jean-Pierre Dupont et", "je m'appelle [NAME] et"),
        ("mon nom est Pierre Martin", "mon nom est [NAME]"),
        ("meu nome é João da Silva", "meu nome é [NAME]"),
        ("меня зовут Иван Петров, я ждал", "меня зовут [NAME], я ждал"),
        ("tên tôi là Nguyễn Văn An", "tên tôi là [NAME]"),
        ("tôi tên là trần thị hoa, tôi chờ", "tôi tên là [NAME], tôi chờ"),
        ("mwen rele Jean Baptiste", "mwen rele [NAME]"),
        ("ang pangalan ko ay Juan dela Cruz", "ang pangalan ko ay [NAME]"),
        ("ako po si Maria Santos, salamat", "ako po si [NAME], salamat"),
        ("اسمي محمد أحمد", "اسمي [NAME]"),
        ("제 이름은 김민수입니다", "제 이름은 [NAME]입니다"),
        ("我叫王小明，等了三个小时", "我叫[NAME]，等了三个小时"),
        ("我的名字是李華", "我的名字是[NAME]"),
    ],
)
def test_a_self_introduced_name_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "my name is on the form",
        "my name is misspelled on my green card",
        "My name is wrong in the system",
        "my name is the same as my fathers",
        "the agent's name was on the letter",
        "me llamo la atención",
        "Me llamó la atención que nadie hablara español",
        "me llamo juan",  # "me llamo" is also "me llamó" typed without its accent
        "mi nombre está mal escrito",
        "mon nom est mal écrit",
        "meu nome e sobrenome estão errados",
        "моё имя неправильно написано",
        "mwen rele biwo a 3 fwa",  # "rele" is also "called"
        "m rele IRS twa fwa",
        "ako sinabi ko sa kanila",
        "pangalan ko ay mali",
        "اسمي غير صحيح",
        "제 이름은 틀렸어요",
        "我叫了三次都没人接",
        "我的名字是错的",
        "Name: N/A",
    ],
)
def test_a_name_cue_without_a_name_is_left_alone(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    "text",
    [
        "my name is mispelled on my green card",
        "my name is messed up on the card",
        "my name is cut off on the letter",
        "my name is truncated in the system",
        "my name is truncated.",
        "my name is misspelled and so is my address",
        "my name is typed wrong",
        "my name is really long",
        "my name is really weird.",
        "my name is completely wrong",
        "my name is often mistyped",
        "my name is gibberish on the card",
        "my name is split up on the card",
        "My name is Spanish so they always misspell it",
        "my name is spanish, they always misspell it",
        "mi nombre es largo y nunca cabe en el formulario",
        "mon nom est écrit incorrectement sur la carte",
        "моё имя указано неверно в письме",
        "اسمي غلط في البطاقة",
        "meu nome é grande demais para o formulário",
        "Office name: Baltimore Field Office",
        "User name: forgot it, locked out",
        "Service name: Passport Renewal",
        "Name: None given",
    ],
)
def test_what_is_said_about_a_name_is_not_taken_for_one(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my name is Maria Lopez", "my name is [NAME]"),
        ("my name is maria lopez", "my name is [NAME]"),
        ("my name is maria lopez and I waited", "my name is [NAME] and I waited"),
        ("my name is maria lopez\nI waited", "my name is [NAME]\nI waited"),
        ("my name is maria Lopez the agent was rude", "my name is [NAME] the agent was rude"),
        (
            "hi my name is james okafor the agent was rude",
            "hi my name is [NAME] the agent was rude",
        ),
        ("my name is maria, I waited", "my name is [NAME], I waited"),
        ("my name is ahmed", "my name is [NAME]"),
        ("my name is jared", "my name is [NAME]"),
        ("my name is emily", "my name is [NAME]"),
        ("my name is wang xiaoming.", "my name is [NAME]."),
        ("My name is John French", "My name is [NAME]"),
        ("Name: Maria Lopez", "Name: [NAME]"),
        ("Full name: Maria Lopez", "Full name: [NAME]"),
        ("Please note my full name: Maria Lopez", "Please note my full name: [NAME]"),
        ("Name: Long Nguyen", "Name: [NAME]"),
        ("Contact name: Maria Lopez", "Contact name: [NAME]"),
        ("My name is Long.", "My name is [NAME]."),
        ("me llamo Juan Pérez", "me llamo [NAME]"),
        ("mi nombre es ana garcía y llamé tres veces", "mi nombre es [NAME] y llamé tres veces"),
        ("меня зовут Анна", "меня зовут [NAME]"),
        ("tên tôi là Nguyễn Văn An", "tên tôi là [NAME]"),
        ("我叫王小明", "我叫[NAME]"),
        ("제 이름은 김민수입니다", "제 이름은 [NAME]입니다"),
        ("اسمي أحمد", "اسمي [NAME]"),
        ("اسمي أحمد من سوريا", "اسمي [NAME] من سوريا"),
    ],
)
def test_a_name_is_still_taken_where_it_ends_the_introduction(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English titles: the title stays, the name goes.
        ("Ms. Garcia at the front desk was great", "Ms. [NAME] at the front desk was great"),
        ("Officer Johnson helped me", "Officer [NAME] helped me"),
        ("Dr. Patel was kind", "Dr. [NAME] was kind"),
        ("Dr Patel was kind", "Dr [NAME] was kind"),
        ("Mrs. O'Brien-Walsh answered everything", "Mrs. [NAME] answered everything"),
        ("Mr. McAllister found my file", "Mr. [NAME] found my file"),
        ("Mx. Rivera was great", "Mx. [NAME] was great"),
        ("Miss Garcia was patient", "Miss [NAME] was patient"),
        ("Agent Kim at the airport was rude", "Agent [NAME] at the airport was rude"),
        ("Deputy Alvarez explained it", "Deputy [NAME] explained it"),
        ("Deputy Sheriff Johnson was polite", "Deputy Sheriff [NAME] was polite"),
        ("Sgt. Ramirez was professional", "Sgt. [NAME] was professional"),
        ("Nurse Thompson deserves a raise", "Nurse [NAME] deserves a raise"),
        ("Nurse Practitioner Jones was thorough", "Nurse Practitioner [NAME] was thorough"),
        ("Judge Whitaker was fair", "Judge [NAME] was fair"),
        ("Pastor Williams drove me", "Pastor [NAME] drove me"),
        ("Father Michael helped me", "Father [NAME] helped me"),
        ("Dr. John A. Whitfield signed it", "Dr. [NAME] signed it"),
        ("Dr. J. Smith signed it", "Dr. [NAME] signed it"),
        ("Dr. Emily Chen-Wong is the best", "Dr. [NAME] is the best"),
        ("Officer Johnson's badge", "Officer [NAME]'s badge"),
        ("Officer Jones' badge number", "Officer [NAME]' badge number"),  # a bare apostrophe
        ("I spoke with Ms. Adams’ assistant", "I spoke with Ms. [NAME]’ assistant"),
        ("Mr. Ahmed was very helpful", "Mr. [NAME] was very helpful"),
        ("Dr. Manning is great", "Dr. [NAME] is great"),
        ("Officer D'Angelo was polite", "Officer [NAME] was polite"),
        ("Thank you Ms. Kowalski!", "Thank you Ms. [NAME]!"),
        ("Mr. and Mrs. Smith came", "Mr. and Mrs. [NAME] came"),
        ("Dr. Patel Was Very Kind To Me Today", "Dr. [NAME] Was Very Kind To Me Today"),
        ("DR. SINGH WAS GREAT", "DR. [NAME] WAS GREAT"),
        ("MS. GARCIA AT THE DESK WAS GREAT", "MS. [NAME] AT THE DESK WAS GREAT"),
        ("Mail it to 500 Capitol Dr Salem office", "Mail it to [ADDRESS] Salem office"),  # a street
        # The other survey languages' titles.
        ("Sra. López me ayudó mucho", "Sra. [NAME] me ayudó mucho"),
        ("El Sr. Ramírez fue amable", "El Sr. [NAME] fue amable"),
        ("La Srta. Beatriz Solís contestó", "La Srta. [NAME] contestó"),
        ("La Dra. Fernández explicó todo", "La Dra. [NAME] explicó todo"),
        ("Doña Carmen siempre atiende bien", "Doña [NAME] siempre atiende bien"),
        ("Don Ernesto, el guardia, fue amable", "Don [NAME], el guardia, fue amable"),
        ("El licenciado Pérez me explicó", "El licenciado [NAME] me explicó"),
        ("La señora María de la Cruz me atendió", "La señora [NAME] me atendió"),
        ("El agente Morales fue grosero", "El agente [NAME] fue grosero"),
        ("M. Dupont au guichet 2 a été patient", "M. [NAME] au guichet 2 a été patient"),
        ("Mme Bernard m'a aidée", "Mme [NAME] m'a aidée"),
        ("Madame Lefebvre était gentille", "Madame [NAME] était gentille"),
        ("A Sra. Oliveira foi atenciosa", "A Sra. [NAME] foi atenciosa"),
        ("Dona Lúcia me ajudou", "Dona [NAME] me ajudou"),
        ("O senhor Silva me atendeu", "O senhor [NAME] me atendeu"),
        ("Frau Müller war nett", "Frau [NAME] war nett"),
        ("Господин Смирнов помог", "Господин [NAME] помог"),
        ("г-жа Петрова была вежлива", "г-жа [NAME] была вежлива"),
        ("Доктор Козлова была внимательна", "Доктор [NAME] была внимательна"),
        ("Ông Nguyễn rất tốt", "Ông [NAME] rất tốt"),
        ("Chị Lan ở quầy số 3 rất nhiệt tình", "Chị [NAME] ở quầy số 3 rất nhiệt tình"),
        ("Ông Trần Văn Minh đã giúp tôi", "Ông [NAME] đã giúp tôi"),
        ("Bác sĩ Lê Văn Hùng rất tận tình", "Bác sĩ [NAME] rất tận tình"),
        ("Si Gng. Reyes ang tumulong", "Si Gng. [NAME] ang tumulong"),
        ("G. Santos po ang tumulong", "G. [NAME] po ang tumulong"),
        ("Si Kuya Jun ay mabait", "Si Kuya [NAME] ay mabait"),
        ("Si Mang Jose ang tumulong", "Si Mang [NAME] ang tumulong"),
        ("Mesye Pierre te ede m", "Mesye [NAME] te ede m"),
        ("Madan Joseph te trè janti", "Madan [NAME] te trè janti"),
        ("السيد أحمد كان لطيفا", "السيد [NAME] كان لطيفا"),
        ("الدكتورة فاطمة شرحت كل شيء", "الدكتورة [NAME] شرحت كل شيء"),
        ("والسيدة مريم ساعدتني", "والسيدة [NAME] ساعدتني"),
        ("王先生很耐心", "[NAME]先生很耐心"),
        ("张小姐的服务非常好", "[NAME]小姐的服务非常好"),
        ("感谢李明先生的帮助", "感谢[NAME]先生的帮助"),
        ("王小明先生帮了我", "[NAME]先生帮了我"),
        ("谢谢王先生", "谢谢[NAME]先生"),
        ("陳小姐非常親切", "[NAME]小姐非常親切"),
        ("陈医生很专业", "[NAME]医生很专业"),
        ("김민수 씨가 정말 친절했어요", "[NAME] 씨가 정말 친절했어요"),
        ("민수씨 덕분에 해결했어요", "[NAME]씨 덕분에 해결했어요"),
        ("이지영님 덕분에 빨리 끝났어요", "[NAME]님 덕분에 빨리 끝났어요"),
        ("박 선생님이 잘 설명해 주셨어요", "[NAME] 선생님이 잘 설명해 주셨어요"),
        ("김과장님이 친절했어요", "[NAME]과장님이 친절했어요"),
    ],
)
def test_a_name_after_a_title_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "Social Security Office was great",
        "Had to reschedule my Dr. appointment",
        "My Dr. Appointment was moved twice",
        "The Mr. Coffee in the waiting room was broken",
        "It felt like the Miss Universe line",
        "Miss America was on the lobby TV",
        "Officer was rude and did not explain anything",
        "Officer Was Very Rude To Me",
        "the officer was rude",
        "Agent Orange exposure claims take forever",
        "Agent IRS sent me a letter",
        "The Nurse Practitioner was thorough",
        "Nurse Line never answers",
        "The Deputy Director never replied",
        "The Judge Advocate General's office was closed",
        "Father Time is not on my side",
        "Father's Day weekend the office was closed",
        "My Doctor Said I need the form signed by Friday",
        "Mr. President, please fund this office",
        "Dr. Office hours are too short",
        "I Miss the old paper forms",
        "I miss Christmas at home",
        "MS Word would not open the form",
        "I have MS and the wait was too long",
        "Sir, Please call me back",
        "Ma'am Was very nice",
        "La cita con el Dr. se canceló dos veces",
        "Mi Padre Tiene 80 años",
        "El Agente De la frontera no hablaba español",
        "La Señora de la limpieza fue amable",
        "Doctor Who was on TV",
        "Madan mwen te ale nan biwo a",
        "Anh ấy rất tốt bụng",
        "Tôi nói tiếng Anh Không giỏi",
        "Доктор сказал прийти через неделю",
        "господин Президент",
        "السيدة كانت لطيفة جدا",
        "السيد المدير لم يرد على رسالتي",
        "这位先生很有礼貌",
        "谢谢先生的帮助",
        "我先生陪我去的",
        "我和先生一起去的",
        "那位醫生很專業",
        "고객님 응대가 친절했어요",
        "선생님이 친절했어요",
        "하나님 감사합니다",
        "상담원님이 친절했어요",
        "아저씨가 친절했어요",
        "날씨가 추워서 힘들었어요",
        "이 선생님이 친절했어요",  # "this teacher", or teacher Lee: not taken
        "Ông Bà tôi đã già",
    ],
)
def test_a_title_with_no_name_after_it_is_left_alone(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title names the person after it in lower case too, the title kept.
        ("officer johnson was rude", "officer [NAME] was rude"),
        ("mr smith", "mr [NAME]"),
        ("mr smith helped me", "mr [NAME] helped me"),
        ("mr john smith was rude", "mr [NAME] was rude"),
        ("dr patel was kind", "dr [NAME] was kind"),
        ("ms. garcia at the front desk was great", "ms. [NAME] at the front desk was great"),
        ("Officer johnson helped me", "Officer [NAME] helped me"),
        ("police officer johnson stopped me", "police officer [NAME] stopped me"),
        ("nurse thompson deserves a raise", "nurse [NAME] deserves a raise"),
        ("deputy sheriff johnson was polite", "deputy sheriff [NAME] was polite"),
        ("officer johnson's badge number", "officer [NAME]'s badge number"),
        ("thank you ms. kowalski!", "thank you ms. [NAME]!"),
        ("officer ahmed and officer reed were kind", "officer [NAME] and officer [NAME] were kind"),
        ("call 202-555-0143 officer johnson knows", "call [PHONE] officer [NAME] knows"),
        ("mr smith arrives late every day", "mr [NAME] arrives late every day"),
        ("officer jones sounds tired", "officer [NAME] sounds tired"),
        ("dr patel herself called me", "dr [NAME] herself called me"),
        # Spanish, Portuguese and French put an article before a title: it is still one.
        ("la señora gonzález me ayudó", "la señora [NAME] me ayudó"),
        ("la señora gonzález fue muy amable", "la señora [NAME] fue muy amable"),
        ("sra. lópez me ayudó mucho", "sra. [NAME] me ayudó mucho"),
        ("el oficial herrera me explicó el proceso", "el oficial [NAME] me explicó el proceso"),
        ("la señora maría de la cruz me atendió", "la señora [NAME] me atendió"),
        ("hablé con el licenciado pérez", "hablé con el licenciado [NAME]"),
        ("o senhor silva me atendeu", "o senhor [NAME] me atendeu"),
        ("a doutora oliveira foi atenciosa", "a doutora [NAME] foi atenciosa"),
        ("madame lefebvre était gentille", "madame [NAME] était gentille"),
        ("mme bernard m'a aidée", "mme [NAME] m'a aidée"),
        ("la señora lópez contesta rápido", "la señora [NAME] contesta rápido"),
        # Another title ends a name, as the sentence going on does.
        ("officer johnson officer johnson", "officer [NAME] officer [NAME]"),
        ("mr smith mrs jones helped", "mr [NAME] mrs [NAME] helped"),
        ("officer johnson agent smith", "officer [NAME] agent [NAME]"),
    ],
)
def test_a_name_in_lower_case_after_a_title_is_scrubbed(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


# Written in lower case, a name has nothing to mark it: what follows a title must not be a word
# of the sentence, of the title's language or any other, nor shaped like a verb or an adverb.
@pytest.mark.parametrize(
    "text",
    [
        # English; after an article a title is a common noun ("the officer said").
        "officer was rude",
        "the officer said to wait outside",
        "officer at the desk was rude",
        "officer told me to come back tomorrow",
        "officer refused to help",
        "officer kept asking for my id",
        "officer bothered me for no reason",
        "officer quickly checked my papers",
        "officer kindly explained everything",
        "officer standing at the door was rude",
        "officer training should cover this",
        "officer himself admitted the mistake",
        "officer didnt explain anything",
        "agent couldnt find my file",
        "agent irs sent me a letter",
        "nurse case manager called me",
        "officer cell phone kept ringing",
        "I Miss cash.",
        "officer will call you back",
        "the officer kindly explained everything",
        "nurse practitioner was great",
        "nurse line never answers",
        "doctor appointment was moved twice",
        "dr appointment moved twice",
        "dr office hours are too short",
        "mr coffee in the lobby was broken",
        "ms word would not open the form",
        "i have ms and the wait was too long",
        "sir please call me back",
        "yes ma'am the line was long",
        "thank you sir",
        "father time is not on my side",
        "my father died waiting for his claim",
        "sister in law drove me",
        "agent orange claims take forever",
        "judge denied my case",
        "they judge people by their accent",
        "deputy director never replied",
        "captain america was on the tv",
        "doctor visits are too short",
        # Spanish: articles, verbs, pronouns and the adjectives that follow a noun.
        "la señora fue muy amable",
        "el oficial me dijo que esperara",
        "la señora de la limpieza fue amable",
        "el agente no habla español",
        "la doctora nunca llamó",
        "la señora encargada me atendió",
        "la señora amable de la ventanilla",
        "una señora rubia me ayudó",
        "el licenciado dijo que no",
        "señora por favor llámeme",
        "la enfermera estaba ocupada",
        "traigan identificación oficial vigente",
        "el documento oficial sellado",
        # Portuguese.
        "a senhora foi muito gentil",
        "o doutor disse para esperar",
        "a senhora simpática do guichê",
        "o senhor não me atendeu",
        "a enfermeira atendeu rápido",
        # French.
        "le docteur m'a dit d'attendre",
        "madame est partie déjeuner",
        "monsieur au guichet a refusé",
        "le docteur très gentil",
        "mademoiselle s'il vous plaît",
        "madame gentille et patiente",
        # German, Russian, Vietnamese, Tagalog and Haitian titles read only a capitalised name:
        # their titles are also nouns and pronouns ("anh", "misye": he), their lists short.
        "die Frau war nett",
        "Herr doktor hat geholfen",
        "врач сказал ждать",
        "доктор был занят",
        "врач иванова помогла",
        "anh ấy rất tốt",
        "chị ơi cho em hỏi",
        "cô giáo rất tốt",
        "si kuya ay mabait",
        "kuya guard po ang tumulong",
        "madan an te janti",
        "misye pa t ede m",
        "doktè a te byen",
    ],
)
def test_a_word_in_lower_case_after_a_title_is_left_alone(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A contraction after a name stays, as "'s" does: the name goes.
        ("Officer Smith'll call you back", "Officer [NAME]'ll call you back"),
        ("Ms. Lee'd said it was fine", "Ms. [NAME]'d said it was fine"),
        ("Dr. Patel’ll see you now", "Dr. [NAME]’ll see you now"),
        ("Officer John Smith'd never", "Officer [NAME]'d never"),
        ("officer smith'll call", "officer [NAME]'ll call"),
        # A pronoun's or a verb's contraction is the sentence going on.
        ("Officer He'll call you", "Officer He'll call you"),
        ("Nurse I'd say no", "Nurse I'd say no"),
        ("Officer Would've helped", "Officer Would've helped"),
        ("Nurse Didn't call back", "Nurse Didn't call back"),
    ],
)
def test_a_contraction_after_a_name_stays_readable(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


# What an answer says of the staff is what it is read for: an adjective or the word that
# strengthens it is no name in lower case after a title, listed or shaped like one, in English,
# Spanish, Portuguese and French.
@pytest.mark.parametrize(
    "text",
    [
        # English, as a reviewer found them lost.
        "agent helpful and quick",
        "doctor helpful",
        "officer courteous",
        "officer professional",
        "officer respectful",
        "officer unhelpful",
        "officer polite",
        "officer lazy",
        "officer mean",
        "officer fair",
        "officer calm",
        "officer honest",
        "officer hostile",
        "officer dismissive",
        "officer wonderful",
        "agent competent",
        "judge fair",
        # English, listed or by their shape.
        "officer rude",
        "nurse kind",
        "clerk nice",
        "clerk friendly",
        "agent knowledgeable",
        "officer very rude",
        "officer so helpful",
        "officer super nice",
        "officer really nice",
        "officer cold",
        "officer warm",
        "officer sweet",
        "officer smart",
        "officer clear",
        "officer gentle",
        "officer busy",
        "officer grumpy",
        "officer nasty",
        "officer strict",
        "officer curt",
        "officer thorough",
        "officer bit rude",
        "officer careless",
        "officer useless",
        "officer attentive",
        "officer aggressive",
        "officer efficient",
        "officer impatient",
        "officer arrogant",
        "officer ignorant",
        "officer pleasant",
        "officer decent",
        "officer reliable",
        "officer horrible",
        "officer sarcastic",
        "officer sympathetic",
        "officer childish",
        "officer considerate",
        "officer lovely",
        "agent helpful-ish",
        "nurse kind and patient",
        # Spanish.
        "el oficial amable",
        "agente grosero",
        "el oficial muy amable",
        "el agente rápido",
        "el agente lento",
        "la señora impaciente",
        "el doctor maravilloso",
        "el oficial irrespetuoso",
        "el oficial honesto",
        "el oficial justo",
        "el oficial tranquilo",
        "el oficial agresivo",
        "el oficial competente",
        "el oficial eficaz",
        "el oficial perezoso",
        "el oficial cortés",
        "el oficial increíble",
        "el oficial despistado",
        "el oficial inútil",
        "la enfermera buenísima",
        "officer muy amable",
        # Portuguese.
        "o atendente educado",
        "o atendente muito educado",
        "a doutora carinhosa",
        "o atendente prestativo",
        "o médico ótimo",
        "o médico chato",
        "a senhora amável",
        # French.
        "le docteur gentil",
        "le docteur très gentil",
        "le docteur impatient",
        "le docteur charmant",
        "le docteur méchant",
        "le docteur rapide",
        "le docteur courtois",
        "le docteur respectueux",
        "le docteur chaleureux",
        "le docteur froid",
        "le docteur compétent",
        "le docteur efficace",
        "le docteur serviable",
        "le docteur attentif",
        "le docteur génial",
        "madame agressive",
    ],
)
def test_a_word_saying_how_staff_were_is_kept_after_a_title(text):
    assert scrub(text) == text


# Surnames of an adjective's shape are still names in lower case, as are those of shapes left
# out (-y, -ado, -ida, -ish, -ic); a name is still found where the sentence goes on after it.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("officer johnson", "officer [NAME]"),
        ("mr smith", "mr [NAME]"),
        ("dr patel", "dr [NAME]"),
        ("la señora gonzález", "la señora [NAME]"),
        ("officer johnson very rude", "officer [NAME] very rude"),
        ("dr patel so nice", "dr [NAME] so nice"),
        ("officer daly was rude", "officer [NAME] was rude"),
        ("mr bentley helped me", "mr [NAME] helped me"),
        ("officer kelly", "officer [NAME]"),
        ("officer tyler", "officer [NAME]"),
        ("officer grant", "officer [NAME]"),
        ("officer brant", "officer [NAME]"),
        ("officer bryant was rude", "officer [NAME] was rude"),
        ("officer durant", "officer [NAME]"),
        ("officer morant", "officer [NAME]"),
        ("officer constant", "officer [NAME]"),
        ("officer vincent was kind", "officer [NAME] was kind"),
        ("officer clements", "officer [NAME]"),
        ("monsieur laurent m'a aidé", "monsieur [NAME] m'a aidé"),
        ("madame lemieux", "madame [NAME]"),
        ("dr dominique", "dr [NAME]"),
        ("dr satish", "dr [NAME]"),
        ("officer babic", "officer [NAME]"),
        ("officer yousif", "officer [NAME]"),
        ("el oficial conde me ayudó", "el oficial [NAME] me ayudó"),
        ("o senhor machado me atendeu", "o senhor [NAME] me atendeu"),
        ("la señora prado", "la señora [NAME]"),
        ("a doutora almeida", "a doutora [NAME]"),
        ("el señor hurtado", "el señor [NAME]"),
        ("el oficial salgado", "el oficial [NAME]"),
        ("el oficial delgado me ayudó", "el oficial [NAME] me ayudó"),
        ("el señor vicente", "el señor [NAME]"),
        ("el oficial bustamante", "el oficial [NAME]"),
        ("la señora hinojosa", "la señora [NAME]"),
        ("o senhor cardoso", "o senhor [NAME]"),
        ("a senhora barbosa", "a senhora [NAME]"),
        ("a senhora saraiva", "a senhora [NAME]"),
        ("la señora oliva", "la señora [NAME]"),
    ],
)
def test_a_surname_shaped_like_an_adjective_is_still_scrubbed(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


def test_a_word_list_refuses_a_word_listed_twice():
    with pytest.raises(ValueError, match="officer"):
        _word_set("officer agent officer")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I'm Maria and I waited 3 hours", "I'm [NAME] and I waited 3 hours"),
        ("I am Maria Lopez, the lady lost my papers", "I am [NAME], the lady lost my papers"),
        ("This is John Smith, call me back", "This is [NAME], call me back"),
        ("Hi this is Derek Chan, my visit moved", "Hi this is [NAME], my visit moved"),
        ("Im Kevin, I called 4 times", "Im [NAME], I called 4 times"),
        ("I'm Mohammed and I waited", "I'm [NAME] and I waited"),
        ("The agent, Karen, was rude", "The agent, [NAME], was rude"),
        ("The receptionist, Janet, was great", "The receptionist, [NAME], was great"),
        ("the clerk Maria was patient", "the clerk [NAME] was patient"),
        ("my wife Ana filled out the form", "my wife [NAME] filled out the form"),
        ("My caseworker, Tanisha, never calls", "My caseworker, [NAME], never calls"),
        ("Thanks to Mike at window 4", "Thanks to [NAME] at window 4"),
        ("Thanks Karen!", "Thanks [NAME]!"),
        ("thank you Maria for your help", "thank you [NAME] for your help"),
        ("Shoutout to Marcus at the front desk", "Shoutout to [NAME] at the front desk"),
        ("ask for Linda in billing", "ask for [NAME] in billing"),
        ("I spoke with Brenda and she fixed it", "I spoke with [NAME] and she fixed it"),
        ("a young man named Luis was kind", "a young man named [NAME] was kind"),
        ("un señor llamado Pedro me ayudó", "un señor llamado [NAME] me ayudó"),
        ("Soy María y esperé tres horas", "Soy [NAME] y esperé tres horas"),
        ("Hola, soy Carlos Mendoza, nadie llamó", "Hola, soy [NAME], nadie llamó"),
        ("Gracias a Lupita por su paciencia", "Gracias a [NAME] por su paciencia"),
        ("Mi esposo Jorge llenó el formulario", "Mi esposo [NAME] llenó el formulario"),
        ("pregunten por Yolanda en Laredo", "pregunten por [NAME] en Laredo"),
        ("Hablé con Verónica y me resolvió todo", "Hablé con [NAME] y me resolvió todo"),
        ("Je suis Marie Lefèvre, j'attends", "Je suis [NAME], j'attends"),
        ("Merci à Sophie pour son aide", "Merci à [NAME] pour son aide"),
        ("Eu sou Ana Paula Souza e ninguém ligou", "Eu sou [NAME] e ninguém ligou"),
        ("Mwen se Roseline, mwen tann 2 èdtan", "Mwen se [NAME], mwen tann 2 èdtan"),
        ("Tôi là Hùng, tôi đã chờ 3 tiếng", "Tôi là [NAME], tôi đã chờ 3 tiếng"),
        ("Tôi là Nguyễn Thị Mai.", "Tôi là [NAME]."),
    ],
)
def test_a_name_introduced_thanked_or_pointed_at_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "I'm Happy with how quickly my passport came",
        "I'm Very upset, nobody answers",
        "I'm Not sure what to do next",
        "I'm Disabled and the building had no ramp",
        "I'm Writing to complain about the wait",
        "I'm Grateful for the interpreter",
        "I'm Retired and on a fixed income",
        "I'm Hispanic and nobody spoke Spanish",
        "I'm American citizen and I'm Proud.",
        "I am American and was treated like a stranger",
        "This is Ridiculous. Three trips for one stamp",
        "This is Unacceptable, I called every day",
        "This is Social Security's fault, not mine",
        "This is Social Security",
        "This is America, we should not wait 6 hours",
        "This is Why people hate calling",
        "This is NOT ok",
        "I Am Maria And I Waited Three Hours",  # in Title Case a capital says nothing
        "I'M MARIA AND I WAITED",
        "Thanks to Houston staff for the quick turnaround",
        "Thank you So much for the help",
        "Thanks to God I got my card",
        "Thanks to Medicaid my mom got her meds",
        "Thank you VA for everything",
        "Ask for Extra Help with prescription costs",
        "I spoke to Customer Service three times",
        "I spoke to Social Security",
        "a program named Extra Help",
        "recibí una llamada Importante",
        "Sr. Citizens should get priority",
        "My neighbor Drove me there",
        "My wife Said it was fine",
        "The officer, However, did not help",
        "the woman Behind the counter was rude",
        "Soy Ciudadana desde 2010",
        "Soy de Guatemala y no había intérprete",
        "Soy Mexicana y me trataron bien",
        "Soy Madre soltera y no pude ir",
        "Gracias a Dios ya llegó mi tarjeta",
        "Gracias a Medicare pude pagar",
        "Gracias a Ustedes por la atención",
        "Muchas gracias por Todo, excelente",
        "Pregunten por Información en la entrada",
        "Hablé con Seguro Social dos veces",
        "Je suis Content du service",
        "Je suis Allée trois fois au bureau",
        "Je suis Haïtienne et il n'y avait pas d'interprète",
        "Je suis Très déçue",
        "Eu sou Aposentado e o site não funciona",
        "Eu sou Brasileiro e não havia intérprete",
        "Mwen se Ayisyen, pa te gen entèprèt",
        "Tôi là Người Việt",
    ],
)
def test_what_people_say_they_are_is_not_taken_for_a_name(text):
    assert scrub(text) == text


# What people say they are, after a weak cue, capitalised as texts often are: race, ethnicity,
# religion, sexuality and gender, disability and health, status and feelings must reach the
# agency whole (an over-scrub would erase a civil-rights complaint).
@pytest.mark.parametrize(
    "text",
    [
        "I'm Black and was treated differently",
        "I am White",
        "I'm Deaf",
        "I am Blind",
        "I'm Disabled",
        "I am Native American",
        "I'm Hispanic",
        "I'm Latina",
        "I am Muslim",
        "I'm Catholic",
        "I am Jewish",
        "I'm Gay",
        "I am Trans",
        "I'm Transgender and they used my old name",
        "I'm Nonbinary",
        "I'm Lesbian and the worker made comments",
        "I'm a Veteran",
        "I am Retired",
        "I'm Pregnant",
        "I am Homeless",
        "I'm Diabetic",
        "I'm Autistic",
        "I'm Epileptic and had a seizure in line",
        "I'm Paralyzed from the waist down",
        "I'm Uninsured",
        "I'm Undocumented and afraid to go",
        "I am Elderly",
        "I'm Indigenous",
        "I'm Cherokee and the office is far",
        "I'm Asian",
        "I'm Sikh and the guard asked about my turban",
        "I'm Young and",
        "I'm Single",
        "I'm Overwhelmed",
        "I'm Ashamed to ask for help",
        "This is Unacceptable",
        "This is Absurd",
        "This is Outrageous",
        "This is Discrimination",
        "This is Racism, plain and simple",
        "This is Fraud",
        "This is Texas, not a foreign country",
        "I'm Grateful",
        "I am Thankful",
        "I'm Not happy",
        "I'm Still waiting",
        "I'm Done",
        "I'm Sorry",
        "This is My third call",
        "This is The worst",
        "Thanks to God",
        "Thanks to Jesus",
        "Thanks to Jesus I got my card",
        "Thanks to Covid",
        "Thanks to Medicare",
        "Thanks to Login.gov",
        "Thanks Guys!",
        "spoke with Someone",
        "spoke with Customer Service",
        "MS Word",
        "The Lady at the Desk was Rude",
        "I am Very Upset",
        "I'm Really Disappointed",
        "Thanks to Everyone at the Office",
        "Soy Negra",
        "Soy Sorda",
        "Soy Indígena y nadie hablaba mi idioma",
        "Soy Indigena y nadie hablaba mi idioma",
        "Soy Lesbiana",
        "Soy Indocumentada",
        "Yo soy Afroamericana",
        "Je suis Noir",
        "Je suis Sourde",
        "Je suis Handicapé",
        "Eu sou Negro",
        "Eu sou Surdo",
        "Mwen se Nwa",
        "Mwen se Avèg",
        "Tôi là Phụ nữ lớn tuổi",
    ],
)
def test_what_a_person_says_they_are_survives_a_weak_cue(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A title still takes a name that is also a word, a weak cue a name that is not one.
        ("Officer Black was rude to my son", "Officer [NAME] was rude to my son"),
        ("Ms. Young at the desk was kind", "Ms. [NAME] at the desk was kind"),
        ("Ms. Smith", "Ms. [NAME]"),
        ("I'm Maria and I'm Deaf", "I'm [NAME] and I'm Deaf"),
        ("Soy Marisol y soy Sorda", "Soy [NAME] y soy Sorda"),
        ("Doña Blanca siempre atiende bien", "Doña [NAME] siempre atiende bien"),
        ("Soy Blanca y esperé", "Soy [NAME] y esperé"),  # a given name before a description
        ("the agent, Jesus, was kind", "the agent, [NAME], was kind"),
        ("Thanks to Jesus at window 4", "Thanks to [NAME] at window 4"),
        ("Gracias a Jesús por su ayuda", "Gracias a [NAME] por su ayuda"),
        ("Gracias a Young por su paciencia", "Gracias a [NAME] por su paciencia"),
        ("I spoke with Jesus and he fixed it", "I spoke with [NAME] and he fixed it"),
        ("Thanks to Mike at Login.gov support", "Thanks to [NAME] at Login.gov support"),
    ],
)
def test_a_name_that_is_also_a_description_is_taken_where_it_names_someone(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # English verbs and contractions after a title, or a title used as a noun.
        ("Officer Johnson Screamed at me", "Officer [NAME] Screamed at me"),
        ("Officer Screamed at me", "Officer Screamed at me"),
        ("the officer Screamed at me", "the officer Screamed at me"),
        ("the officer Johnson was rude", "the officer [NAME] was rude"),
        ("the officer Black was rude", "the officer [NAME] was rude"),
        ("the officer Khaled helped me", "the officer [NAME] helped me"),
        ("The officer Stopped me for no reason", "The officer Stopped me for no reason"),
        ("the deputy Tased my son", "the deputy Tased my son"),
        ("The Doctor Prescribed the wrong dose", "The Doctor Prescribed the wrong dose"),
        ("Nurse Didn't call back", "Nurse Didn't call back"),
        ("Officer Can’t be bothered", "Officer Can’t be bothered"),
        ("Nurse Thompson didn't call back", "Nurse [NAME] didn't call back"),
        ("My husband Can't walk that far", "My husband Can't walk that far"),
        ("my dad Died waiting for his claim", "my dad Died waiting for his claim"),
        ("My Sister Translated for me", "My Sister Translated for me"),
        ("my sister Maria translated for me", "my sister [NAME] translated for me"),
        ("my dr. Cancelled my appointment", "my dr. Cancelled my appointment"),
        ("my dr. Patel cancelled my appointment", "my dr. [NAME] cancelled my appointment"),
        ("Judge Denied my case", "Judge Denied my case"),
        # "fr" is texting for "from"; "Fr." is a priest.
        ("I moved here fr Mexico last year", "I moved here fr Mexico last year"),
        ("Fr. Michael drove me there", "Fr. [NAME] drove me there"),
        # One-letter titles: a letter after a label or a number, English after them.
        ("I switched to Plan G. It costs less", "I switched to Plan G. It costs less"),
        ("Medigap Plan M. Nobody told me", "Medigap Plan M. Nobody told me"),
        ("Gate G. Nobody was there", "Gate G. Nobody was there"),
        ("3 M. Après ça rien", "3 M. Après ça rien"),
        ("Ask for Sarah M. She was great", "Ask for [NAME]. She was great"),
        ("G. Santos po ang tumulong", "G. [NAME] po ang tumulong"),
        ("M. Dupont au guichet 2 a été patient", "M. [NAME] au guichet 2 a été patient"),
        # Spanish, Portuguese, French: pronouns, verbs and words after a title.
        ("El agente Me trató mal", "El agente Me trató mal"),
        ("El agente Morales me trató mal", "El agente [NAME] me trató mal"),
        ("El doctor Nunca me llamó", "El doctor Nunca me llamó"),
        ("El doctor Ramírez nunca me llamó", "El doctor [NAME] nunca me llamó"),
        ("Mi padre Murió esperando", "Mi padre Murió esperando"),
        ("el oficial Nos gritó", "el oficial Nos gritó"),
        ("La señora Se fue a almorzar", "La señora Se fue a almorzar"),
        ("La señora María de la Cruz me atendió", "La señora [NAME] me atendió"),
        ("el oficial Racista no me dejó pasar", "el oficial Racista no me dejó pasar"),
        ("A senhora Gritou comigo", "A senhora Gritou comigo"),
        ("A senhora Oliveira gritou comigo", "A senhora [NAME] gritou comigo"),
        ("O senhor Romeu me atendeu", "O senhor [NAME] me atendeu"),
        ("Madame Au guichet a refusé", "Madame Au guichet a refusé"),
        ("Madame Lefebvre au guichet a refusé", "Madame [NAME] au guichet a refusé"),
        ("Monsieur N'a pas répondu", "Monsieur N'a pas répondu"),
        ("Mme N'Diaye m'a aidée", "Mme [NAME] m'a aidée"),
        ("Merci Pour Votre Aide", "Merci Pour Votre Aide"),
        ("Dona Ana County office was closed", "Dona Ana County office was closed"),
        ("Dona Lúcia me ajudou", "Dona [NAME] me ajudou"),
        # Haitian, Vietnamese, Tagalog, Russian, Arabic.
        ("Mwen se Yon manman", "Mwen se Yon manman"),
        ("Cô Ấy đã giúp tôi", "Cô Ấy đã giúp tôi"),
        ("Anh Ấy rất tốt", "Anh Ấy rất tốt"),
        ("Cô Lan đã giúp tôi", "Cô [NAME] đã giúp tôi"),
        ("Ông Bà Tôi đã già", "Ông Bà Tôi đã già"),
        ("Mang Hộ chiếu và Thẻ xanh theo", "Mang Hộ chiếu và Thẻ xanh theo"),
        ("Si Mang Jose ang tumulong", "Si Mang [NAME] ang tumulong"),
        ("Мне нужен был врач. Никто не помог", "Мне нужен был врач. Никто не помог"),
        ("Там был врач Потом пришёл другой", "Там был врач Потом пришёл другой"),
        ("врач Сказал ждать", "врач Сказал ждать"),
        ("врач Иванова помогла", "врач [NAME] помогла"),
        ("г-н. Петров помог", "г-н. [NAME] помог"),
        ("الدكتور ممتاز", "الدكتور ممتاز"),
        ("السيدة وقحة", "السيدة وقحة"),
        ("السيد يتكلم بسرعة", "السيد يتكلم بسرعة"),
        ("الدكتور أحمد ممتاز", "الدكتور [NAME] ممتاز"),
    ],
)
def test_a_word_that_goes_on_with_the_sentence_is_not_taken_for_a_name(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # An e-mail address in lower case does not make an answer in capitals mixed case.
        ("MR. JONES WAS RUDE a@example.com", "MR. [NAME] WAS RUDE [EMAIL]"),
        ("MR. JONES WAS RUDE [EMAIL]", "MR. [NAME] WAS RUDE [EMAIL]"),
        ("OFFICER SMITH WAS RUDE r.diaz@example.com", "OFFICER [NAME] WAS RUDE [EMAIL]"),
        ("OFFICER SMITH WAS RUDE, email me", "OFFICER SMITH WAS RUDE, email me"),
        ("I'M MARIA, r.diaz@example.com", "I'M MARIA, [EMAIL]"),
    ],
)
def test_an_answer_in_capitals_is_read_without_what_is_already_scrubbed(text, expected):
    assert scrub(text) == expected
    assert scrub(expected) == expected


@pytest.mark.parametrize(
    ("name", "everyday"),
    [
        ("Will", True),
        ("Mark", True),
        ("Rose", True),
        ("June", True),
        ("Young", True),
        ("Black", True),
        ("White", True),
        ("Christian", True),
        ("Negra", True),
        ("Sorda", True),
        ("Indigena", True),
        ("Mark Lee", False),
        ("Will Smith", False),
        ("Rose Garcia", False),
        ("June Park", False),
        ("Karen", False),
        ("Jesús", False),
        ("Nguyen", False),
    ],
)
def test_a_one_word_staff_name_that_is_an_everyday_word_or_a_description_is_flagged(name, everyday):
    assert is_everyday_word(name) is everyday


def test_a_full_staff_name_made_of_everyday_words_is_scrubbed_only_whole():
    staff_names = ("Mark Lee", "Rose Garcia")
    text = "Mark Lee and rose garcia were kind; I will mark the date, the rose was nice"
    expected = "[NAME] and [NAME] were kind; I will mark the date, the rose was nice"
    assert scrub(text, staff_names=staff_names) == expected


@pytest.mark.parametrize(
    ("text", "staff_names", "expected"),
    [
        ("Karen at the front desk was rude", ("Karen",), "[NAME] at the front desk was rude"),
        ("karen and KAREN and Karen's desk", ("Karen",), "[NAME] and [NAME] and [NAME]'s desk"),
        ("mike jones at window 4", ("Karen", "Mike Jones"), "[NAME] at window 4"),
        ("Mike  Jones, Mike-Jones, Mike", ("Mike Jones",), "[NAME], [NAME], Mike"),
        ("Jose and José and JOSÉ", ("José",), "[NAME] and [NAME] and [NAME]"),
        ("López and Lopez", ("Lopez",), "[NAME] and [NAME]"),
        ("O’Brien and O'Brien", ("O'Brien",), "[NAME] and [NAME]"),
        ("Marisol en la ventanilla", ("Marisol",), "[NAME] en la ventanilla"),
        ("Karenina and Karen", ("Karen",), "Karenina and [NAME]"),  # whole words only
        ("Ms. Karen Smith was great", ("Karen",), "Ms. [NAME] was great"),
        ("Mike Jones-Smith helped", ("Mike Jones",), "[NAME]-Smith helped"),
        ("[NAME] and Name", ("Name",), "[NAME] and [NAME]"),
        ("The staff were kind", ("Karen",), "The staff were kind"),
    ],
)
def test_a_services_staff_names_are_scrubbed_wherever_they_appear(text, staff_names, expected):
    assert scrub(text, staff_names=staff_names) == expected
    assert scrub(expected, staff_names=staff_names) == expected


@pytest.mark.parametrize("unit", CUE_UNITS)
def test_a_long_answer_of_cues_is_scrubbed_as_a_short_one_is(unit):
    """A backtracking pattern would take seconds or hours on 5,000 characters of one of these
    cues repeated (this test timed them against 500: at most 40 times as long). That cost is
    measured by `python -m bench.scrub_corpus` ("long answers", beside 500 characters in the
    same run). Here, what such an answer gives: every unit inside it the findings of the middle
    unit of three, the first and last those of the first and last."""
    times = 5000 // len(unit)
    first, middle, last = findings_per_unit(unit, 3)
    assert findings_per_unit(unit, times) == [first, *[middle] * (times - 2), last]


def findings_per_unit(unit, times):
    """The findings in `unit` repeated `times` times, each as (kind, start, end) within the
    unit it starts in."""
    per_unit = [[] for _ in range(times)]
    for finding in find_personal_data(unit * times, staff_names=CUE_STAFF_NAMES):
        at, start = divmod(finding.start, len(unit))
        per_unit[at].append((finding.kind, start, finding.end - at * len(unit)))
    return per_unit


@pytest.mark.parametrize(
    "text",
    [
        "card 4111 1111 1111 1112 failed",  # 16 digits that fail the Luhn check
        "tarjeta 5500-0000-0000-0005 rechazada",
        "4242424242424241",
        "The fee was $1,250.00, then $35 more",
        "On March 3 I called at 10:30",
        "El 3 de marzo de 2025 llamé a las 10:30",
        "waited 45 minutes in room 201, zip 20001",
        "hold time 1:47:12",
        "In 2023 it was faster than in 2019",
        "appointment 03/15/2025",
        "Llevé mi acta de nacimiento el 4 de abril de 2025",
        "Esperé en la calle 3 horas",
        "took 2 people to drive me, called 3 times and no way",
        "666-12-3456, 123-00-4567, 123-45-0000, 912-40-1234",  # no SSN or ITIN has these
        "I waited at the office at 9 am, at least 3 hours at window 4",
        "the staff at USCIS dot gov page",
        "I applied at uscis.gov and the people at gmail.com",
        "Staff was rude. At uscis.gov nothing works",
        "write me @ home. Then I left",
        "it took 123 days",
        "ssn 123 456 789 0",  # ten digits in groups
        "social security room 201 2024 12",  # not a grouping an SSN is written in
        "I filed my I-130 at uscis.gov and it was easy",  # websites, not mailboxes
        "Form N-400 at uscis.gov took an hour",
        "I paid $25 at pay.gov",
        "after 5pm at login.gov nothing worked",
        "Forms I-130, N-400, DS-160 and SF-86, office hours 9-5",
        "I called 12 times, waited 3 hours and paid $1,200 in 2024",
        "Ticket A-114, grade A 1234, section A 2, Building A 2000000",
        "my account was locked for 3 days, account ending in 1234",
        "passport fee $130 and photos 2x2, renewal in 2024",
        "passport appointment 03/15/2025",
        "routing 123456789",  # fails the ABA checksum
        "I have an account at gmail",
        "write me @ home",
        "je ne l'ai pas reçu, le rendez-vous du 12/05/2025",
        "预约在2025年3月4日",
        "我在2019年3月4日申请的",  # an application date: no birth cue, no birth date
        "2018년 3월 4일에 신청했어요",
    ],
)
def test_near_misses_are_left_alone(text):
    assert scrub(text) == text


# A case, claim, application or other reference number finds one person's file at the agency,
# which the export must not: after a cue in any survey language it is scrubbed, also where a phone
# or SSN cue is near, and whatever else its digits could be.
@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("my case number is 123456789", "my case number is [REFERENCE]"),
        ("claim # 00123456 still pending", "claim # [REFERENCE] still pending"),
        ("Case CAS-2024-001234 was closed", "Case [REFERENCE] was closed"),
        ("confirmation code ABC1234567, no email", "confirmation code [REFERENCE], no email"),
        ("my confirmation is K7X9QZ42", "my confirmation is [REFERENCE]"),
        ("ref#55501 in the letter", "ref#[REFERENCE] in the letter"),
        ("Confirmation number 4829 1034 5521 came", "Confirmation number [REFERENCE] came"),
        ("Case 2024-118 has been open", "Case [REFERENCE] has been open"),
        ("ticket 4455667 was closed", "ticket [REFERENCE] was closed"),
        ("My SBA loan number is 3305123456", "My SBA loan number is [REFERENCE]"),
        ("Tracking number 9400 1000 0000 0000 0000 00", "Tracking number [REFERENCE]"),
        ("call about case 123456789", "call about case [REFERENCE]"),
        ("Social Services case number 123456789", "Social Services case number [REFERENCE]"),
        (
            "My passport application number is 123456789",
            "My passport application number is [REFERENCE]",
        ),
        (
            "número de expediente 4455667788, nadie llama",
            "número de expediente [REFERENCE], nadie llama",
        ),
        ("mi número de caso es 12345678", "mi número de caso es [REFERENCE]"),
        ("mi número de reclamo es 00987654", "mi número de reclamo es [REFERENCE]"),
        ("numéro de réclamation 00987654", "numéro de réclamation [REFERENCE]"),
        ("código de confirmação 20250412", "código de confirmação [REFERENCE]"),
        ("El folio 2024118345 no aparece", "El folio [REFERENCE] no aparece"),
        ("pasaporte, número de solicitud 123456789", "pasaporte, número de solicitud [REFERENCE]"),
        ("접수번호 123456 로 확인했어요", "접수번호 [REFERENCE] 로 확인했어요"),
        ("접수번호는 2024-118345입니다", "접수번호는 [REFERENCE]입니다"),
        ("Номер дела 2024-118345, звонил трижды", "Номер дела [REFERENCE], звонил трижды"),
        (
            "numéro de dossier 2024-118345, j'ai appelé",
            "numéro de dossier [REFERENCE], j'ai appelé",
        ),
        ("número do processo 2024-118345", "número do processo [REFERENCE]"),
        ("案件编号2024-118345", "案件编号[REFERENCE]"),
        ("số hồ sơ 2024-118345", "số hồ sơ [REFERENCE]"),
        ("numero ng kaso 20240118", "numero ng kaso [REFERENCE]"),
        ("nimewo dosye 2024118345", "nimewo dosye [REFERENCE]"),
        ("رقم الطلب 123456789", "رقم الطلب [REFERENCE]"),
        (
            "case 2024-118 and form I-485 and a 1040-X",
            "case [REFERENCE] and form I-485 and a 1040-X",
        ),
        # An amount further on is not the reference's: only a currency attached to the digits
        # makes them one ("claim $12,000", "50000 pesos", "USD 50000").
        ("claim # 123456789 $50", "claim # [REFERENCE] $50"),
        ("My case number is 123456789, fee $5", "My case number is [REFERENCE], fee $5"),
        ("case 12345678 cost me 40 dollars", "case [REFERENCE] cost me 40 dollars"),
        ("expediente 4455667788 y pagué 200 pesos", "expediente [REFERENCE] y pagué 200 pesos"),
        # A currency code with a number of its own after it is that number's.
        ("claim 123456789 USD 50 fee", "claim [REFERENCE] USD 50 fee"),
        ("case no. 12345678 USD 40", "case no. [REFERENCE] USD 40"),
        # So is a currency's name, unless its number counts ("reclamo 50000 pesos 2 veces").
        ("case number 123456789 dollars 5", "case number [REFERENCE] dollars 5"),
        ("expediente 4455667788 pesos 200 de multa", "expediente [REFERENCE] pesos 200 de multa"),
        # Phone keyboards type codes in lower case.
        ("my confirmation code is k7x9qz42", "my confirmation code is [REFERENCE]"),
        ("confirmation code Qx7Lm9Tz, thanks", "confirmation code [REFERENCE], thanks"),
        ("código de confirmación xk4m9q", "código de confirmación [REFERENCE]"),
        ("ticket abcd12 closed", "ticket [REFERENCE] closed"),
    ],
)
def test_a_reference_number_after_its_cue_is_scrubbed(text, expected):
    assert scrub(text) == expected


# What stays beside those cues: a count, a year, an amount, a date, a form's name and a queue
# ticket. Four digits are a year or a count, and a ticket at the window has fewer; five digits,
# or six letters and digits in capitals with two digits, name a file.
@pytest.mark.parametrize(
    "text",
    [
        "I waited 3 weeks for my case",
        "case 2 of 3 was closed",
        "an order of 5 items",
        "a $1,200 claim and a claim $12,000 and a claim 15000 dollars",
        "pedí un préstamo de 50000 pesos",
        "reclamo 50000 pesos 2 veces",
        "a claim 15000 dollars 3 times over",
        "claim 50000 USD",
        "application on 5/12, application 05/12/2025, application 2025-05-12",
        "claim 12 05 2025",
        "form I-485, application I-485, application I-864EZ and application DS-2029",
        "claim 21-0966 and claim 21-526EZ",  # VA forms
        "ticket 7 at the window, Ticket A-114",
        "case 2024 took a year, reference 1234",
        "my case from 2024",
        "application 10days ago",
        "claim 15000 dollars, claim 15000.00 USD, claim USD 50000 and claim $ 120000",
        "a claim 50000€, a claim 50000 € and a loan 120000$.",
        "reclamo de 12000 dólares, préstamo de 50000 pesos, préstamo MXN 50000",
        "a claim 45mins long, application covid-19 relief, application 12months late",
        "application i-130, application n400, application ds160 and claim 21-526ez",
        "confirmation 3pm-5pm, ticket window12, order form1040, claim covid19",
    ],
)
def test_numbers_beside_a_reference_cue_that_name_no_file_stay(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # "My number" in each survey language, before a local number.
        ("mon numéro est le 555-0143, rappelez-moi", "mon numéro est le [PHONE], rappelez-moi"),
        ("meu telefone é 555-0143, obrigado", "meu telefone é [PHONE], obrigado"),
        ("số của tôi là 555-0143, xin gọi lại", "số của tôi là [PHONE], xin gọi lại"),
        ("мой номер 555-0143, спасибо", "мой номер [PHONE], спасибо"),
        ("numero ko ay 555-0143", "numero ko ay [PHONE]"),
        ("nimewo mwen se 3712-3456", "nimewo mwen se [PHONE]"),
        ("رقمي 0501234567 اتصلوا بي", "رقمي [PHONE] اتصلوا بي"),
        # A country's own format after a cue, in any language.
        ("mon numéro est 06 12 34 56 78", "mon numéro est [PHONE]"),
        ("my number is 06 12 34 56 78", "my number is [PHONE]"),
        ("전화번호는 010-1234-5678입니다", "전화번호는 [PHONE]입니다"),
        ("제 전화번호는 010-2345-6789", "제 전화번호는 [PHONE]"),
        ("我的电话是13812345678", "我的电话是[PHONE]"),
        ("Meu número é 11912345678", "Meu número é [PHONE]"),
        ("mi whatsapp es +52 1 55 1234 5678", "mi whatsapp es [PHONE]"),
        ("Liguem para (11) 91234-5678 por favor", "Liguem para [PHONE] por favor"),
        ("звоните 8 (912) 345-67-89", "звоните [PHONE]"),
        ("tawagan ninyo ako sa 0917 123 4567", "tawagan ninyo ako sa [PHONE]"),
    ],
)
def test_a_phone_number_after_a_cue_in_any_survey_language_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fono 9 1234 5678", "fono [PHONE]"),
        ("mi fono es el 9 1234 5678, gracias", "mi fono es el [PHONE], gracias"),
        ("Fono: 912345678", "Fono: [PHONE]"),
        ("mi celu 9 1234 5678", "mi celu [PHONE]"),
        ("el fono no funciona, llamé 3 veces", None),
        ("audífono 9 1234 5678", None),
    ],
)
def test_a_chilean_number_after_fono_or_celu_is_scrubbed(text, expected):
    """Chile says "fono" and "celu" for its phone: "fono 9 1234 5678" was exported, since neither
    word was a cue and phonenumbers knows no 9 1xxx number as given out in Chile (its matcher
    finds only numbers it does). After a cue a number need not be one it knows."""
    assert scrub(text, region="CL") == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010-1234-5678 is my cell", "[PHONE] is my cell"),
        ("the office at 06 12 34 56 78 closed", "the office at [PHONE] closed"),
        ("WeChat: 138 1234 5678", "WeChat: [PHONE]"),
        ("Zalo 0912 345 678", "Zalo [PHONE]"),
        ("8 (912) 345-67-89, Иван", "[PHONE], Иван"),
        ("(11) 91234-5678 o dia todo", "[PHONE] o dia todo"),
        ("55 1234 5678 es de mi hija", "[PHONE] es de mi hija"),
    ],
)
def test_a_phone_number_in_a_national_format_is_scrubbed_without_a_cue(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "llamé el 15.03.2025 y nadie contestó",
        "llamé y me dijeron que cuesta 1.250.000 pesos",
        "I called about my 2024 1040 return three times",
        "you can text the office 9.00-17.00 on weekdays",
        "J'ai appelé 3 fois le 12 05 2025",
        "I paid 1 250 euros, call me",
        "Я звонил 5 раз, ждал 40 минут",
        "전화를 3번 했는데 2시간 기다렸어요",
    ],
)
def test_digits_after_a_phone_cue_that_are_no_phone_number_stay(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("call me at 456-1111, paid $20", "call me at [PHONE], paid $20"),
        ("paid $5 call 456 1111", "paid $5 call [PHONE]"),
        ("text me 456 1111 I owe $5", "text me [PHONE] I owe $5"),
        ("my number 555-0147 $5 fee", "my number [PHONE] $5 fee"),
        ("mi cel 5512 3456 y $20", "mi cel [PHONE] y $20"),
        ("paid $20, call me at 202-456-1111", "paid $20, call me at [PHONE]"),
        # An amount has its currency on its digits.
        ("call me, I paid $1 250 000", None),
        ("call me, I paid $ 1 250 000", None),
        ("call me, it cost USD 1 250 000", None),
        ("call me, I paid 1 250 000 pesos", None),
        ("call me, I paid 1 250 000.00 dollars", None),
        ("llámame, pagué 1 250 000 pesos", None),
    ],
)
def test_a_phone_number_near_an_amount_is_scrubbed(text, expected):
    """A currency sign or word within 8 characters of a cued number made it an amount: "call
    me at 456-1111, paid $20" was exported as written."""
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("moro na Rua das Flores, 123", "moro na [ADDRESS]"),
        ("moro na Rua Augusta, 1500, apto 12", "moro na [ADDRESS]"),
        ("tôi sống ở 123 đường Lê Lợi", "tôi sống ở [ADDRESS]"),
        ("J'habite au 12, rue Victor Hugo", "J'habite au [ADDRESS]"),
        ("J'habite au 12 rue de la Paix, à Lyon", "J'habite au [ADDRESS], à Lyon"),
        ("Mwen rete 45 Rue Capois", "Mwen rete [ADDRESS]"),
        ("Я живу на улице Ленина, дом 5", "Я живу на [ADDRESS]"),
        ("ул. Ленина д. 5 кв. 12", "[ADDRESS]"),
        ("서울시 강남구 테헤란로 123", "[ADDRESS]"),
        ("강남구 역삼동 123-45에 살아요", "[ADDRESS]에 살아요"),
        ("我住在中山路123号", "我住在[ADDRESS]"),
        ("我住在忠孝東路四段100巷5號", "我住在[ADDRESS]"),
    ],
)
def test_a_street_address_in_another_survey_language_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("I live at 123 Main St. My name is Bob.", "I live at [ADDRESS]. My name is [NAME]."),
        ("Send it to 45 Oak Avenue. Thanks", "Send it to [ADDRESS]. Thanks"),
        ("My address is 12 elm rd.", "My address is [ADDRESS]."),
        ("moro na Rua Augusta, 1500. Obrigado", "moro na [ADDRESS]. Obrigado"),
    ],
)
def test_an_address_at_the_end_of_a_sentence_leaves_its_full_stop(text, expected):
    """The placeholder took the sentence's full stop with it: "[ADDRESS] My name is"."""
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("010-1234-5678 010-9876-5432", "[PHONE] [PHONE]"),
        ("my numbers 06 12 34 56 78 06 98 76 54 32", "my numbers [PHONE] [PHONE]"),
        ("010-1234-5678 010-9876-5432 010-1111-2222", "[PHONE] [PHONE] [PHONE]"),
        ("call me 202 555 0143 202 555 0199", "call me [PHONE] [PHONE]"),
        ("In 2023 2024 2025 I applied 3 times", "In 2023 2024 2025 I applied 3 times"),
        # With no cue, numbers that are each valid in the service's region.
        ("202 456 1111 202 456 1414", "[PHONE] [PHONE]"),
        ("202 555 0143 202 555 0199", "[PHONE] [PHONE]"),
        ("reach us 202 456 1111 202 456 1414 202 456 1515", "reach us [PHONE] [PHONE] [PHONE]"),
        ("In 2021 2022 2023 2024 2025 I applied", "In 2021 2022 2023 2024 2025 I applied"),
        ("rooms 101 102 103 104 105 106 107", "rooms 101 102 103 104 105 106 107"),
    ],
)
def test_phone_numbers_side_by_side_are_each_scrubbed(text, expected):
    """Two numbers with only a space between were one run of digits too long for a number,
    which no format fits: both were exported as written."""
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("202 456 1111 999 000 0000", "[PHONE] 999 000 0000"),
        ("999 000 0000 202 456 1111", "999 000 0000 [PHONE]"),
        ("202 456 1111 202 456 1414 999", "[PHONE] [PHONE] 999"),
        ("202 456 1111 999 000", "[PHONE] 999 000"),
        ("202 456 1111 5 times", "[PHONE] 5 times"),
        ("1 202 456 1111 5", "[PHONE] 5"),
        ("010-1234-5678 999", "[PHONE] 999"),
        # Counts, years, rooms and single digits are never read into a number.
        ("scores 5 4 3 2 1 5 4 3 2 1 0", None),
        ("In 2021 2022 2023 2024 2025 I applied 3 times", None),
        ("rooms 101 102 103 104 105 106 107", None),
        ("I called about my 2024 1040 return three times", None),
        ("case number 202 456 1111 999", "case number [REFERENCE]"),
    ],
)
def test_a_phone_number_beside_digits_that_are_none_is_scrubbed(text, expected):
    """A run whose parts were not all valid numbers ("202 456 1111 999 000 0000", a number
    and a count after it) was read as no number at all: its phone number was exported."""
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    "text",
    [
        "fiquei na rua 3 horas",
        "fiquei na Rua Augusta 3 horas esperando abrir",
        "j'ai attendu dans la rue 2 fois",
        "Я ждал на улице Ленина 2 часа",
        "친구 전화로 3번 했어요",
        "서울 강남구 사무실로 2 시간 걸렸어요",
        "我知道3号窗口的人很忙",
        "在8号窗口等了2个小时",
    ],
)
def test_a_street_word_beside_a_count_is_left_alone(text):
    assert scrub(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "hola me llamo juan perez, la espera fue larga",
            "hola me llamo [NAME], la espera fue larga",
        ),
        ("me llamo juan perez y tengo una queja", "me llamo [NAME] y tengo una queja"),
        ("ME LLAMO JUAN PEREZ", "ME LLAMO [NAME]"),
        # "me llamo" typed for "me llamó" (called me): what follows is no name.
        ("me llamo el agente para decirme que faltaba un papel", None),
        ("me llamo por telefono", None),
        ("me llamo dos veces y nadie", None),
        ("me llamo ayer tarde", None),
        ("me llamo varias veces", None),
        ("me llamo mi abogado", None),
        ("me llamo maria y me dijo que esperara", None),
    ],
)
def test_me_llamo_in_lower_case_takes_a_given_name_and_a_surname(text, expected):
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Email me at maria lopez at gmail dot com", "Email me at [EMAIL]"),
        ("my email is maria lopez at gmail", "my email is [EMAIL]"),
        ("My email is john@example.com", "My email is [EMAIL]"),
        ("email the clerk at gmail dot com", "email the clerk at gmail dot com"),
    ],
)
def test_a_spoken_mailbox_is_scrubbed_with_its_first_word(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O atendente Carlos Silva foi grosseiro", "O atendente [NAME] foi grosseiro"),
        ("o gerente Marcos foi ótimo", "o gerente [NAME] foi ótimo"),
        ("Le guichetier Pierre Martin était impoli", "Le guichetier [NAME] était impoli"),
        ("Mon mari Jean est venu avec moi", "Mon mari [NAME] est venu avec moi"),
        ("A funcionária Foi muito grosseira", None),
        ("O atendente Brasileiro", None),
        ("Le guichetier Était impoli", None),
        ("La femme Noire à l'accueil", None),
    ],
)
def test_a_role_word_in_portuguese_or_french_names_the_person_after_it(text, expected):
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # A count or a date of two or more digits after a street is no house number: read
        # from its last digit, not from its first ("[ADDRESS]0 минут").
        ("Я ждал на улице Ленина 20 минут", None),
        ("Мы простояли на улице Ленина 10 часов", None),
        ("Я ждал в очереди на проспекте Мира 30 мин", None),
        ("Я ездил на улицу Ленина 12 раз", None),
        ("Я был на улице Ленина 15 числа", None),
        ("Я был на улице Ленина 15 мая", None),
        ("Мы ждали на улице Ленина 2-3 часа", None),
        ("Esperé en la Calle Mayor 20 minutos", None),
        ("Esperé en la Avenida Juárez 40 minutos", None),
        ("Fiquei na Avenida Paulista 2 horas", None),
        ("Fiquei na fila da Avenida Paulista 40 minutos", None),
        ("Fiquei na Rua Augusta 2 a 3 horas", None),
        ("Fiquei na Rua Augusta 3h", None),
        ("강남구 역삼동 3-4시간 기다렸어요", None),
        ("강남구 역삼동 3~4시간 기다렸어요", None),
        # A house number of two or more digits is still one.
        ("Я живу на улице Ленина 25, кв. 12", "Я живу на [ADDRESS]"),
        ("Я живу на улице Ленина 125 уже 10 лет", "Я живу на [ADDRESS] уже 10 лет"),
        ("Vivo en la Calle Mayor 20, 2 horas de espera", "Vivo en la [ADDRESS], 2 horas de espera"),
        ("Moro na Avenida Paulista 1500", "Moro na [ADDRESS]"),
        ("강남구 역삼동 123-45", "[ADDRESS]"),
    ],
)
def test_a_count_of_several_digits_after_a_street_is_no_house_number(text, expected):
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Korean in shape, Saudi or Vietnamese in fact: every format a number fits is tried.
        ("050 123 4567", "[PHONE]"),
        ("055 123 4567 هذا رقمي", "[PHONE] هذا رقمي"),
        ("035 123 4567", "[PHONE]"),
        ("056 123 4567 là số của con tôi", "[PHONE] là số của con tôi"),
        ("010 1234 5678", "[PHONE]"),
    ],
)
def test_a_number_valid_in_any_national_format_it_fits_is_scrubbed(text, expected):
    assert scrub(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("l'agent Dupont était gentil", "l'agent [NAME] était gentil"),
        ("L'agent Dupont était gentil", "L'agent [NAME] était gentil"),
        ("l’agent Dupont était gentil", "l’agent [NAME] était gentil"),
        ("l'employée Sophie était gentille", "l'employée [NAME] était gentille"),
        ("L'infirmière Sophie Martin m'a aidée", "L'infirmière [NAME] m'a aidée"),
        ("l'agent était gentil", None),
        ("l'agent Était gentil", None),
        ("L'agent CAF était gentil", None),
        ("l'agent d'accueil était gentil", None),
        # "agent" in French is a role word: a name after it is capitalised.
        ("l'agent chargé de mon dossier m'a rappelé", None),
        ("l'agent immobilier m'a appelé", None),
        ("cet agent immobilier m'a appelé", None),
    ],
)
def test_a_french_role_word_after_l_apostrophe_names_the_person(text, expected):
    assert scrub(text) == (text if expected is None else expected)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("O funcionário Público foi gentil", None),
        ("A funcionária Pública foi gentil", None),
        ("le conseiller Pôle emploi était sympa", None),
        ("Le conseiller Pôle Emploi m'a aidé", None),
        ("L'agent Pôle emploi était sympa", None),
        ("la trabajadora Social me ayudó", None),
        # Passed over like a rank, it leaves the name after it to be found.
        ("El agente Municipal Gómez fue amable", "El agente Municipal [NAME] fue amable"),
        (
            "O funcionário Público João Silva foi gentil",
            "O funcionário Público [NAME] foi gentil",
        ),
    ],
)
def test_a_word_naming_the_office_after_a_role_word_is_no_name(text, expected):
    assert scrub(text) == (text if expected is None else expected)


def test_luhn_decides_whether_sixteen_digits_are_a_card():
    assert [f.kind for f in find_personal_data("4111 1111 1111 1111")] == ["CARD"]
    assert find_personal_data("4111 1111 1111 1113") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4111 1111 1111 1111 202 456 1111", "[CARD] [PHONE]"),
        ("card 4111 1111 1111 1111 202", "card [CARD] 202"),
        # A card of 19 digits is one, and a group that fails the check with its card none.
        ("6011 0000 0000 0000 001 was declined", "[CARD] was declined"),
        ("4111 1111 1111 1112 202", None),
    ],
)
def test_a_card_number_with_digits_after_it_is_scrubbed(text, expected):
    """Three digits or fewer after a card's four groups were read as its nineteen digits,
    which fail the Luhn check: the card number and the phone number after it were exported."""
    assert scrub(text) == (text if expected is None else expected)


def test_placeholders_are_never_scrubbed_again():
    placeholders = " ".join(PLACEHOLDERS.values())
    assert scrub(placeholders) == placeholders
    assert scrub("SSN [SSN], born [DOB], at [ADDRESS]") == "SSN [SSN], born [DOB], at [ADDRESS]"


def test_scrub_is_idempotent():
    answers = [(entry["text"], tuple(entry.get("names", ()))) for entry in load_corpus()]
    answers.append(("Call 202-555-0143 or a@example.com; SSN 123-45-6789, born 7/4/1950", ()))
    for text, staff_names in answers:
        once = scrub(text, staff_names=staff_names)
        assert scrub(once, staff_names=staff_names) == once, text


def test_findings_are_sorted_and_do_not_overlap():
    text = "4111 1111 1111 1111, 202-555-0143, 123-45-6789, a@example.com, born 7/4/1950"
    findings = find_personal_data(text)
    assert [f.kind for f in findings] == ["CARD", "PHONE", "SSN", "EMAIL", "DOB"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(findings))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The matcher is given no candidate too short to be a number: the shortest ones stay found.
        ("Berlin office: +4930123, case 2024-118", "Berlin office: [PHONE], case [REFERENCE]"),
        ("from the U.S. dial 011 44 20 7946 0958", "from the U.S. dial [PHONE]"),
        ("call ＋1 202 555 0143 today", "call [PHONE] today"),
        ("call ٢٠٢٥٥٥٠١٤٣ today", "call [PHONE] today"),
        (
            "Thanks! Call me at 202-555-0143 about case 2024-118",
            "Thanks! Call me at [PHONE] about case [REFERENCE]",
        ),
    ],
)
def test_the_shortest_phone_numbers_are_found(text, expected):
    assert scrub(text) == expected


def test_card_and_ssn_digits_are_not_taken_for_phone_numbers():
    assert find_personal_data("SSN 123-45-6789") == [Finding("SSN", 4, 15)]
    assert find_personal_data("5500000000000004") == [Finding("CARD", 0, 16)]


def test_corpus_precision_and_recall():
    result = measure_corpus()
    print(
        f"\nscrubber: precision {result['precision']:.3f}, recall {result['recall']:.3f}"
        f" on {result['items']} items in {result['answers']} answers"
    )
    assert result["answers"] >= 120
    assert result["recall"] >= RECALL_FLOOR, result["missed"]
    assert result["precision"] >= PRECISION_FLOOR, result["false_alarms"]


def test_corpus_is_balanced_between_languages_and_near_misses():
    entries = load_corpus()
    clean = sum(not entry["pii"] for entry in entries)
    assert 0.3 <= clean / len(entries) <= 0.5
    for language in LANGUAGES:
        answers = [entry for entry in entries if entry["lang"] == language]
        assert any(entry["pii"] for entry in answers), language
        assert any(not entry["pii"] for entry in answers), language
    english_and_spanish = [entry for entry in entries if entry["lang"] in {"en", "es"}]
    spanish = sum(entry["lang"] == "es" for entry in english_and_spanish)
    assert 0.4 <= spanish / len(english_and_spanish) <= 0.6


def test_every_placeholder_kind_is_in_the_corpus():
    kinds = {item["kind"] for entry in load_corpus() for item in entry["pii"]}
    assert kinds == set(PLACEHOLDERS)


# Names the corpus has with no cue the scrubber reads (see the README): a name in passing.
NAMES_WITHOUT_A_CUE = {"Brenda"}


def test_no_corpus_number_email_or_name_survives():
    # Addresses and dates have known misses (see the README); nothing else may leak.
    for entry in load_corpus():
        cleaned = scrub(entry["text"], staff_names=tuple(entry.get("names", ())))
        for item in entry["pii"]:
            if item["kind"] not in {"ADDRESS", "DOB"} and item["value"] not in NAMES_WITHOUT_A_CUE:
                assert item["value"] not in cleaned, entry["text"]
