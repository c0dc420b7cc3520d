from __future__ import annotations

from orgunits import selectors, services
from orgunits.models import MembershipRole
from orgunits.roles import Role

from ..factories import MembershipFactory, OrgUnitFactory, PersonFactory


def test_units_visible_to_does_cover_whole_subtree_for_a_role(tree, org_officer):
    visible = set(selectors.units_visible_to(org_officer))
    assert visible == {tree.district, tree.cell_a, tree.cell_b}


def test_units_visible_to_does_include_deep_units_created_after_the_grant(tree, org_officer):
    deeper = OrgUnitFactory(parent=tree.cell_b, code="DEEP")
    selectors.forget_role_cache(org_officer)
    assert deeper in selectors.units_visible_to(org_officer)


def test_units_visible_to_does_limit_a_member_to_own_units(tree, member):
    assert list(selectors.units_visible_to(member)) == [tree.cell_a]


def test_people_visible_to_does_limit_a_member_to_self(tree, member):
    MembershipFactory(unit=tree.cell_a)  # a colleague in the same chi bộ
    assert list(selectors.people_visible_to(member)) == [member.person]


def test_people_visible_to_does_exclude_people_outside_the_subtree(tree, org_officer):
    inside = MembershipFactory(unit=tree.cell_b).person
    outside = MembershipFactory(unit=tree.elsewhere).person
    visible = set(selectors.people_visible_to(org_officer))
    assert inside in visible
    assert outside not in visible


def test_people_visible_to_does_count_a_person_with_two_sites_once_R_E4(tree, org_officer):
    person = PersonFactory()
    services.add_membership(person=person, unit=tree.cell_a, role=MembershipRole.PARTY_MEMBER)
    services.add_membership(person=person, unit=tree.cell_b, role=MembershipRole.HEAD)
    assert list(selectors.people_visible_to(org_officer)).count(person) == 1


def test_has_role_on_does_answer_for_descendants_only(tree, secretary):
    assert selectors.has_role_on(secretary, tree.cell_a, ["run_review"])
    assert not selectors.has_role_on(secretary, tree.cell_b, ["run_review"])
    assert not selectors.has_role_on(secretary, tree.district, ["run_review"])


def test_revoke_role_does_remove_the_subtree(tree, org_officer):
    services.revoke_role(user=org_officer, unit=tree.district, role=Role.ORG_OFFICER)
    assert not selectors.units_visible_to(org_officer).exists()


def test_search_people_does_ignore_diacritics_and_case(tree, org_officer):
    target = PersonFactory(full_name="Nguyễn Thị Ánh Tuyết")
    MembershipFactory(person=target, unit=tree.cell_b)
    for query in ["anh tuyet", "ÁNH TUYẾT", "nguyen thi", "Ánh"]:
        assert target in selectors.search_people(org_officer, query), query


def test_search_people_does_treat_d_stroke_as_d(tree, org_officer):
    target = PersonFactory(full_name="Đặng Đức Đạt")
    MembershipFactory(person=target, unit=tree.cell_b)
    assert target in selectors.search_people(org_officer, "dang duc dat")


def test_search_people_does_sort_vietnamese_way_by_given_name(tree, org_officer):
    names = ["Trần Văn Đạt", "Lê Thị Ánh", "Nguyễn Văn Dũng", "Phạm Thị Yến", "Bùi Văn An"]
    for name in names:
        MembershipFactory(person=PersonFactory(full_name=name), unit=tree.cell_b)
    ordered = [
        p.full_name for p in selectors.search_people(org_officer).filter(full_name__in=names)
    ]
    # Vietnamese alphabet: A < Ă < Â < B ... D < Đ ... Y; accented A sorts with A, before B.
    assert ordered == [
        "Bùi Văn An",
        "Lê Thị Ánh",
        "Nguyễn Văn Dũng",
        "Trần Văn Đạt",
        "Phạm Thị Yến",
    ]


def test_grant_role_does_leave_an_audit_row_and_revoke_another(tree, org_officer, admin_user):
    from orgunits.models import RoleChange

    services.revoke_role(
        user=org_officer,
        unit=tree.district,
        role=Role.ORG_OFFICER,
        actor=admin_user,
        reason="Chuyển công tác",
    )
    rows = list(RoleChange.objects.filter(user=org_officer).values_list("action", "role"))
    assert rows == [("granted", "org_officer"), ("revoked", "org_officer")]
    assert RoleChange.objects.filter(actor=admin_user, reason="Chuyển công tác").exists()
