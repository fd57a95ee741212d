"""The card parser on OCR text: several languages, and the traps real cards set."""

from __future__ import annotations

import re

import pytest

from expo_crm.visitors.cardparse import FIELDS, OcrLine, OcrWord, _lines, infer_region, parse_card


def digits(values: list[str]) -> list[str]:
    return [re.sub(r"\D", "", v) for v in values]


def test_english_card() -> None:
    text = """Jane Doe
Senior Sales Manager
Acme Widgets Inc.
1600 Amphitheatre Parkway, Suite 200
Mountain View, CA 94043
Tel +1 650-253-0000
jane.doe@acmewidgets.com
www.acmewidgets.com"""

    card = parse_card(text, region="US")

    assert card.name == "Jane Doe"
    assert card.title == "Senior Sales Manager"
    assert card.company == "Acme Widgets Inc."
    assert card.emails == ["jane.doe@acmewidgets.com"]
    assert card.phones == ["+1 650-253-0000"]
    assert card.website == "www.acmewidgets.com"
    assert card.address == "1600 Amphitheatre Parkway, Suite 200, Mountain View, CA 94043"
    assert all(0.0 <= card.confidence[f] <= 1.0 for f in FIELDS)
    assert card.confidence["emails"] > 0.9


def test_portuguese_card_with_accents_and_local_numbers() -> None:
    text = """João Conceição
Diretor Comercial
Indústria de Açaí Ltda.
Rua Augusta, 1500 - Consolação
CEP 01304-001 São Paulo - SP
Tel: (11) 3456-7890 / 98765-4321
joao@acaibrasil.com.br"""

    card = parse_card(text, region="BR")

    assert card.name == "João Conceição"
    assert card.title == "Diretor Comercial"
    assert card.company == "Indústria de Açaí Ltda."
    assert card.emails == ["joao@acaibrasil.com.br"]
    assert card.phones == ["+55 11 3456-7890", "98765-4321"]
    assert card.address == "Rua Augusta, 1500 - Consolação, CEP 01304-001 São Paulo - SP"
    assert card.website is None


def test_chinese_card() -> None:
    text = """王小明
销售经理
北京星辰科技有限公司
北京市朝阳区建国路88号
电话: +86 10 8888 6666
手机: 138 0013 8000
wang@xingchen.cn"""

    card = parse_card(text, region="CN")

    assert card.name == "王小明"
    assert card.title == "销售经理"
    assert card.company == "北京星辰科技有限公司"
    assert card.address == "北京市朝阳区建国路88号"
    assert digits(card.phones) == ["861088886666", "8613800138000"]
    assert card.emails == ["wang@xingchen.cn"]


def test_japanese_card() -> None:
    text = """株式会社サクラ商事
営業部 部長
山田 太郎
〒100-0005 東京都千代田区丸の内1-1-1
TEL 03-1234-5678
taro.yamada@sakura-shoji.co.jp"""

    card = parse_card(text, region="JP")

    assert card.company == "株式会社サクラ商事"
    # Tesseract spaces CJK characters arbitrarily, so spaces between them are dropped.
    assert card.title == "営業部部長"
    assert card.name == "山田太郎"
    assert card.address is not None
    assert card.address.startswith("〒100-0005")
    assert digits(card.phones) == ["81312345678"]
    assert card.emails == ["taro.yamada@sakura-shoji.co.jp"]


def test_bilingual_english_chinese_card() -> None:
    text = """ACME Trading Co., Ltd.
艾克米贸易有限公司
Li Na
Export Manager 出口经理
Room 1201, 88 Century Avenue, Shanghai
+86 21 5555 1234
li.na@acmetrading.cn"""

    card = parse_card(text, region="BR")  # the kiosk's region: the number has its own +86

    assert card.company == "ACME Trading Co., Ltd."
    assert card.title == "Export Manager 出口经理"
    assert card.name == "Li Na"
    assert card.address == "Room 1201, 88 Century Avenue, Shanghai"
    assert digits(card.phones) == ["862155551234"]


def test_logo_only_front_yields_nothing_but_a_company() -> None:
    card = parse_card("PAPELARIA\n3 Estrelas", region="BR")

    assert card.name is None
    assert card.title is None
    assert card.emails == []
    assert card.phones == []
    assert card.address is None
    assert card.confidence["company"] < 0.6


def test_shop_card_taglines_are_not_taken_for_a_person() -> None:
    text = """REBOQUE EXPRESSO
Aceitamos os cartões
Pequenos Consertos em Parachoque
Trabalhamos com todas as marcas
Nextel 9.7100-2233 ID. 41*22*10987"""

    card = parse_card(text, region="BR")

    assert card.name is None
    assert card.title is None
    assert digits(card.phones) == [d for d in digits(card.phones) if d.endswith("71002233")]
    assert len(card.phones) == 1


def test_leading_digit_stays_with_a_local_number() -> None:
    card = parse_card("Nextel 9.7100-2233\nTim 11 9.8123-4567", region="BR")

    assert card.phones == ["9.7100-2233", "+55 11 98123-4567"]


def test_postcodes_and_radio_ids_are_not_phones() -> None:
    text = "CEP: 04512-000 - Moema\nID 52*9*33120\nRamal 118"

    assert parse_card(text, region="BR").phones == []


def test_two_numbers_printed_with_one_area_code() -> None:
    card = parse_card("Fones 11 2231-4455 / 2598-7711", region="BR")

    assert card.phones == ["+55 11 2231-4455", "2598-7711"]


def test_region_is_a_parameter_not_an_assumption() -> None:
    text = "Tel 020 7946 0018\nTel +55 11 3456-7890"

    uk = parse_card(text, region="GB")
    unknown = parse_card("Tel 020 7946 0018", region=None)

    assert uk.phones == ["+44 20 7946 0018", "+55 11 3456-7890"]
    assert unknown.phones == []  # no numbering plan, and not the shape of a local number


@pytest.mark.parametrize(
    ("text", "region"),
    [
        ("Tel +49 30 901820\nMesse Berlin", "DE"),
        ("anna@schmidt-werkzeuge.de\nTel 030 901820", "DE"),
        ("sales@acme.co.uk", "GB"),
        ("株式会社サクラ商事\n03-1234-5678", "JP"),
        ("北京星辰科技有限公司\n010-6552-8899", "CN"),
        ("Eletrônica Adachi Ltda.\nAv. Itaquera, 3006 - Jardim Fernandes - SP", "BR"),
        ("Acme Widgets\nsales@acme.com", None),
    ],
)
def test_without_a_region_the_card_tells_its_country(text: str, region: str | None) -> None:
    lines = _lines(text)
    card = parse_card(text)

    assert infer_region(lines, card.emails, card.website) == region


def test_without_a_region_local_numbers_are_kept_as_printed() -> None:
    card = parse_card("Eletrônica Adachi Ltda.\n2294-9484\nTel: (11) 2684-7988\nRua Itaquera, 3006")

    assert card.phones == ["2294-9484", "+55 11 2684-7988"]


@pytest.mark.parametrize(
    ("line", "email"),
    [
        ("mlopes(Dvidraceiro.com.br", "mlopes@vidraceiro.com.br"),
        ("E-mail: floriculturaQuol.com.br", "floricultura@uol.com.br"),
        ("Contato: Vendas@Loja.COM.BR", "vendas@loja.com.br"),
        ("carla.souza @ horizonte.com.br", "carla.souza@horizonte.com.br"),
    ],
)
def test_emails_survive_common_ocr_slips(line: str, email: str) -> None:
    assert parse_card(line).emails == [email]


def test_email_domain_names_the_company_when_no_legal_suffix() -> None:
    text = "VIDRONORTE\nCarla Menezes\nDiretora Financeira\ncarla.menezes@vidronorte.com.br"

    card = parse_card(text, region="BR")

    assert card.company == "VIDRONORTE"
    assert card.name == "Carla Menezes"
    assert card.website is None  # the email's domain is not a printed website


def test_name_is_chosen_by_font_size_and_title_nearby() -> None:
    def line(text: str, top: int, height: int) -> OcrLine:
        words = [
            OcrWord(part, 0.95, 40 + 90 * i, top, 80, height) for i, part in enumerate(text.split())
        ]
        return OcrLine.from_words(words)

    lines = [
        line("Horizonte Vidros", 20, 60),
        line("Carla Menezes", 120, 44),
        line("Gerente de Projetos", 180, 26),
        line("Visite Nossa Loja", 240, 26),
    ]

    card = parse_card(lines, region="BR")

    assert card.name == "Carla Menezes"
    assert card.title == "Gerente de Projetos"
    assert card.company == "Horizonte Vidros"


def test_first_names_come_from_an_international_dictionary() -> None:
    # Names from several countries, none of them in any list written for this parser.
    for text in ("Svetlana Ivanova", "Siobhan Kelly", "Kenji Watanabe", "Bogdan Popescu"):
        card = parse_card(f"Acme Trading\n{text}\nTel +44 20 7946 0018", region="GB")
        assert card.name == text, text


def test_capitalized_trade_words_are_not_a_name() -> None:
    card = parse_card("Oficina Mecânica Horizonte\nTel +44 20 7946 0018", region="GB")

    assert card.name is None


def test_a_middle_initial_marks_a_name() -> None:
    card = parse_card("Horizonte Vidros\nOluwaseun P. Tavares Jr.\nTel +44 20 7946 0018")

    assert card.name == "Oluwaseun P. Tavares Jr."
    assert card.company == "Horizonte Vidros"


def test_a_dot_lost_before_the_country_code_is_restored() -> None:
    card = parse_card("vendas@vidroshorizonte.combr\nwww.vidroshorizonte.combr")

    assert card.emails == ["vendas@vidroshorizonte.com.br"]
    assert card.website == "www.vidroshorizonte.com.br"


def test_a_fragment_after_a_slash_is_not_a_website() -> None:
    assert parse_card("contato@horizonte /onte.com.br").website is None


def test_a_person_is_not_taken_for_the_company() -> None:
    # Read fairly surely, a rare first name: not sure enough to be the name, but still
    # a person's name rather than the largest text standing for the company.
    words = [
        OcrWord(part, 0.9, 40 + 200 * i, 20, 180, 50)
        for i, part in enumerate(["Gumercindo", "Okafor", "Adeyemi"])
    ]
    lines = [OcrLine.from_words(words), OcrLine.from_text("Rua Augusta, 1500 - São Paulo", 4)]

    card = parse_card(lines, region="BR")

    assert card.name is None
    assert card.company is None


def test_names_may_hold_apostrophes_and_hyphens() -> None:
    card = parse_card("Horizonte Vidros\nJean-Pierre D'Ávila\nGerente de Projetos")

    assert card.name == "Jean-Pierre D'Ávila"


def test_ocr_debris_between_address_lines_does_not_cut_the_address() -> None:
    def line(text: str, top: int, conf: float) -> OcrLine:
        words = [
            OcrWord(part, conf, 40 + 60 * i, top, 50, 24) for i, part in enumerate(text.split())
        ]
        return OcrLine.from_words(words)

    lines = [
        line("Rua Augusta, 1500 - Consolação", 20, 0.93),
        line("c 4", 50, 0.8),
        line("CEP 01304-001 São Paulo - SP", 80, 0.9),
    ]

    card = parse_card(lines, region="BR")

    assert card.address == "Rua Augusta, 1500 - Consolação, CEP 01304-001 São Paulo - SP"


@pytest.mark.parametrize(
    ("text", "email"),
    [
        ("dimariorestauranteogmail.com", "dimariorestaurante@gmail.com"),
        ("ricknog39idgmail.com", "ricknog39@gmail.com"),
        ("E-mail: ana@g mail.com", "ana@gmail.com"),
    ],
)
def test_free_mail_addresses_with_a_misread_or_split_at_are_repaired(text: str, email: str) -> None:
    card = parse_card(f"Ana Souza\n{text}", region="BR")

    assert card.emails == [email]
    assert card.website is None  # the broken address is not taken for a website


def test_a_company_domain_glued_to_its_local_part_is_not_guessed() -> None:
    card = parse_card("contatoacmewidgets.com.br", region="BR")

    assert card.emails == []


def _line(text: str, left: int, top: int, height: int = 20) -> OcrLine:
    words, x = [], left
    for part in text.split():
        words.append(OcrWord(part, 0.95, x, top, 12 * len(part), height))
        x += 12 * len(part) + 10
    return OcrLine.from_words(words)


def test_an_address_continues_on_the_line_below_it_not_in_the_next_column() -> None:
    lines = [
        _line("Rua Boa Vista, 254", 20, 300),
        _line("LOGO", 700, 310, height=22),  # a logo beside the address sorts between
        _line("Cep 01014-000 Centro São Paulo SP", 20, 330),
    ]

    card = parse_card(lines, region="BR")

    assert card.address == "Rua Boa Vista, 254, Cep 01014-000 Centro São Paulo SP"


def test_two_people_sharing_a_card_are_the_name() -> None:
    card = parse_card("Sianatel\nEliete / Ana Paula\nTel: 2685-2862", region="BR")

    assert card.name == "Eliete / Ana Paula"
    assert card.company == "Sianatel"


def test_notary_office_titles_are_titles() -> None:
    card = parse_card("Aguinaldo M. Righetti Jr.\nEscrevente Autorizado\nTel 11 3241-0322")

    assert card.title == "Escrevente Autorizado"
    assert card.name == "Aguinaldo M. Righetti Jr."


def _at(text: str, top: int, height: int, left: int = 40) -> OcrLine:
    words, x = [], left
    for part in text.split():
        words.append(OcrWord(part, 0.97, x, top, int(0.6 * height * len(part)), height))
        x += int(0.6 * height * (len(part) + 1))
    return OcrLine.from_words(words)


def test_a_logo_printed_on_two_lines_is_one_company_name() -> None:
    lines = [
        _at("BELTIS", 200, 52, left=70),
        _at("IT Solutions", 266, 28, left=160),
        _at("Daniel Carlos", 70, 40, left=430),
        _at("Diretor Administrativo", 120, 30, left=430),
        _at("(11) 2076 5555", 240, 30, left=430),
        _at("daniel.silva@beltis.com.br", 330, 30, left=430),
    ]

    card = parse_card(lines, region="BR")

    assert card.company == "BELTIS IT Solutions"
    assert card.name == "Daniel Carlos"


def test_body_text_under_a_company_in_body_size_does_not_join_it() -> None:
    lines = [
        _at("RESTAURANTE", 480, 38, left=170),
        _at("Segunda a Sábado", 530, 40, left=150),
        _at("Av. Cangaíba, 2341 - Cangaíba", 800, 40, left=90),
        _at("dimariorestaurante@gmail.com", 900, 40, left=70),
    ]

    card = parse_card(lines, region="BR")

    assert card.company == "RESTAURANTE"


def test_a_remark_in_brackets_does_not_stop_an_address() -> None:
    card = parse_card(
        "Rua Antonio Carneiro Leão, nº 36\nJd. Samara - SP - (Travessa da Gamelinha)",
        region="BR",
    )

    assert card.address == "Rua Antonio Carneiro Leão, nº 36, Jd. Samara - SP"


def test_a_house_number_printed_before_the_street_is_kept() -> None:
    card = parse_card("Northwind Traders Inc.\n350 Fifth Avenue, New York, NY 10118", region="US")

    assert card.address == "350 Fifth Avenue, New York, NY 10118"


def test_without_a_region_a_number_with_its_area_code_is_kept_as_printed() -> None:
    card = parse_card("Jennifer Walsh\nTel (212) 555-0187\njwalsh@northwind.com")

    assert card.phones == ["(212) 555-0187"]
    assert card.region is None
