from lurewatch.ingest.chat_owner import infer_roles


def test_given_owner_matches_display_name_loosely() -> None:
    roles = infer_roles(["Vivian K.", "Daniel Roy"], given_owner="daniel roy")
    assert roles.owner == "Daniel Roy"
    assert roles.counterpart == "Vivian K."
    assert roles.method == "given"
    assert roles.warning is None


def test_title_names_the_counterpart_even_without_its_trailing_dot() -> None:
    # "WhatsApp Chat with Vivian K.txt" loses the dot of "Vivian K."
    roles = infer_roles(["Vivian K.", "Daniel Roy"], title="Vivian K")
    assert (roles.owner, roles.counterpart, roles.method) == ("Daniel Roy", "Vivian K.", "title")


def test_silent_owner_leaves_the_titled_sender_as_counterpart() -> None:
    roles = infer_roles(["Vivian K.", "Vivian K."], title="Vivian K.")
    assert roles.owner is None
    assert roles.counterpart == "Vivian K."
    assert roles.warning is None


def test_two_senders_without_clues_guess_with_a_warning() -> None:
    roles = infer_roles(["Vivian K.", "Daniel Roy", "Vivian K."])
    assert roles.owner == "Daniel Roy"
    assert roles.counterpart == "Vivian K."
    assert roles.method == "guess"
    assert roles.warning and "--owner" in roles.warning


def test_group_without_clues_names_no_owner() -> None:
    roles = infer_roles(["Jonas Weber", "Amira Haddad", "Daniel Roy"], title="Summit")
    assert roles.owner is None
    assert roles.participants == ["Jonas Weber", "Amira Haddad", "Daniel Roy"]
    assert roles.warning and "--owner" in roles.warning


def test_group_with_owner_lists_the_other_participants() -> None:
    roles = infer_roles(["Jonas Weber", "Amira Haddad", "Daniel Roy"], given_owner="Daniel Roy")
    assert roles.counterpart == "Jonas Weber"
    assert roles.participants == ["Jonas Weber", "Amira Haddad"]
    assert roles.is_owner("DANIEL ROY")
    assert not roles.is_owner("Amira Haddad")
