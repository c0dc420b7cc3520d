import unicodedata

from orgunits import services

from ..factories import PersonFactory


def test_person_save_does_store_names_in_nfc(db):
    nfd = unicodedata.normalize("NFD", "Nguyễn Thị Hương")
    person = PersonFactory(full_name=nfd)
    person.refresh_from_db()
    assert person.full_name == unicodedata.normalize("NFC", "Nguyễn Thị Hương")
    assert person.given_name == "Hương"
    assert person.search_name == "nguyen thi huong"


def test_create_unit_does_store_name_in_nfc(db):
    unit = services.create_unit(code="X1", name=unicodedata.normalize("NFD", "Chi bộ Đông"))
    unit.refresh_from_db()
    assert unicodedata.is_normalized("NFC", unit.name)
