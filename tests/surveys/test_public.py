"""The public survey page: a personal signed link, no sign-in, once per person."""

from __future__ import annotations

from itsdangerous import TimestampSigner, URLSafeTimedSerializer
from werkzeug.datastructures import MultiDict

from expo_crm.surveys import services
from tests.surveys.conftest import visitor


def _form(survey, *answers):
    data = MultiDict()
    for question, answer in zip(survey.questions, answers, strict=False):
        for value in answer if isinstance(answer, list) else [answer]:
            if value is not None:
                data.add(f"q{question.id}", value)
    return data


def test_link_opens_the_persons_own_survey_and_takes_answers(db, client, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    token = services.link_token(survey, person.id)
    db.commit()
    page = client.get(f"/s/{token}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "How was ExpoTech?" in text
    assert 'name="viewport"' in text
    done = client.post(
        f"/s/{token}", data=_form(survey, "5", "10", "metro", ["hall_a", "hall_b"], "Loved it")
    )
    assert done.status_code == 200
    assert "Thank you" in done.get_data(as_text=True)
    again = client.get(f"/s/{token}").get_data(as_text=True)
    assert 'id="answered"' in again
    assert "Loved it" in again  # their own earlier answers, to change
    client.post(f"/s/{token}", data=_form(survey, "3"))
    response = services.response_of(db, survey, person.id)
    db.refresh(response)
    assert response.submissions == 2
    assert [a.number for a in response.answers] == [3]


def test_bad_answer_is_explained_and_stores_nothing(db, client, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    token = services.link_token(survey, person.id)
    db.commit()
    for data, message in [
        (_form(survey, "9"), "from 1 to 5"),
        (MultiDict([*_form(survey, "4").items(multi=True), ("q424242", "1")]), "no such question"),
        (_form(survey, "4", None, None, None, "x" * 5000), "2000 characters"),
        (_form(survey, "4", "77"), "from 0 to 10"),
    ]:
        response = client.post(f"/s/{token}", data=data)
        assert response.status_code == 422, message
        assert message in response.get_data(as_text=True)
    assert services.response_of(db, survey, person.id) is None


def test_tampered_expired_or_foreign_links_are_refused(db, client, app, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    token = services.link_token(survey, person.id)
    db.commit()
    payload, _sep, signature = token.rpartition(".")
    swapped = "A" if signature[5] != "A" else "B"
    tampered = f"{payload}.{signature[:5]}{swapped}{signature[6:]}"
    for bad in (
        tampered,
        "nonsense",
        URLSafeTimedSerializer("other", salt="survey-link").dumps({"s": survey.id, "p": person.id}),
    ):
        response = client.post(f"/s/{bad}", data=_form(survey, "4"))
        assert response.status_code == 400
        assert "not valid" in response.get_data(as_text=True)

    class Past(TimestampSigner):
        def get_timestamp(self) -> int:
            return super().get_timestamp() - services.LINK_MAX_AGE - 60

    old = URLSafeTimedSerializer(app.secret_key, salt="survey-link", signer=Past).dumps(
        {"s": survey.id, "p": person.id}
    )
    response = client.get(f"/s/{old}")
    assert response.status_code == 400
    assert "expired" in response.get_data(as_text=True)
    assert services.response_of(db, survey, person.id) is None


def test_replayed_link_after_closing_is_refused(db, client, survey):
    person = visitor(db, "ana@cliente.example", "Ana Silva").person
    token = services.link_token(survey, person.id)
    client.post(f"/s/{token}", data=_form(survey, "4"))
    services.set_state(db, survey, "closed")
    db.commit()
    response = client.post(f"/s/{token}", data=_form(survey, "1"))
    assert response.status_code == 410
    answer = services.response_of(db, survey, person.id)
    db.refresh(answer)
    assert [a.number for a in answer.answers] == [4]


def test_survey_in_chinese(db, client, survey):
    person = visitor(db, "wang@cliente.example", "王伟", language="zh_Hans_CN").person
    token = services.link_token(survey, person.id)
    db.commit()
    with client.session_transaction() as session:
        session["locale"] = "zh_Hans_CN"
    text = client.get(f"/s/{token}").get_data(as_text=True)
    assert "展会感受如何？" in text
    assert "交通方式" in text
    assert "地铁" in text
