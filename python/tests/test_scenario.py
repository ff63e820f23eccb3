"""Scenarios as dicts, and bad input as ScenarioError with what the command line says."""

import pytest

import salesim


def test_a_builtin_scenario_is_the_files_structure_as_a_plain_dict():
    lesson = salesim.scenario("builtin:lesson")
    assert type(lesson) is dict
    assert list(lesson)[:4] == ["name", "question", "description", "horizon_quarters"]
    assert lesson["market"] == {"customers": 4000, "peers": 8}
    assert [v["name"] for v in lesson["vendors"]] == ["us", "rival", "challenger"]
    assert lesson["vendors"][0]["teams"][1] == {"name": "east", "reps": 5}
    assert [v["strategy"] for v in lesson["variants"]] == ["aggressive", "aligned"]
    assert isinstance(lesson["replications"], int) and lesson["seed"] == 20261126
    assert "lesson" in salesim.builtins()


def test_a_file_and_its_dict_round_trip(repo, tmp_path):
    file = repo / "scenarios" / "discount-sweep.toml"
    d = salesim.scenario(file)
    assert d["sweep"]["parameters"]["strategies.quota_driven.discount_max"][-1] == 0.3
    assert d["strategies"]["no_discount"] == {"base": "aggressive", "discount_max": 0.0}
    again = tmp_path / "again.toml"
    again.write_text(salesim.scenario_text(d))
    assert salesim.scenario(again) == d
    # A dict is copied, not shared.
    copy = salesim.scenario(d)
    copy["market"]["customers"] = 1
    assert d["market"]["customers"] == 4000
    assert salesim.validate(d) == salesim.validate(file) == {
        "name": "discount-sweep",
        "variants": ["no_discount", "aggressive"],
        "reference": "no_discount",
        "points": 8,
        "runs": 8 * 2 * 30,
    }


def cli_message(cli, *args):
    done = cli(*args, check=False)
    assert done.returncode == 2, done.stderr
    prefix = "salesim: error: "
    assert done.stderr.startswith(prefix)
    return done.stderr[len(prefix):].strip()


def test_a_bad_key_in_a_file_is_the_command_lines_error(cli, tmp_path):
    text = salesim.scenario_text("builtin:lesson").replace("customers = 4000", "custmers = 4000")
    file = tmp_path / "bad.toml"
    file.write_text(text)
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.validate(file)
    e = raised.value
    assert isinstance(e, ValueError)
    assert str(e) == cli_message(cli, "validate", file)
    assert e.key == "market.custmers"
    assert e.line == text.splitlines().index("custmers = 4000") + 1
    assert "customers" in e.allowed
    assert e.origin == str(file)


def test_a_bad_key_in_a_dict_names_the_key_and_the_allowed_keys():
    d = salesim.scenario("builtin:lesson")
    d["market"]["custmers"] = d["market"].pop("customers")
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.run(d, replications=2, quiet=True)
    e = raised.value
    assert e.key == "market.custmers"
    assert e.line is None  # a dict has no lines
    assert e.origin == "<scenario dict>"
    assert "customers" in e.allowed and "peers" in e.allowed
    assert "key `market.custmers`" in str(e) and "Allowed:" in str(e)


def test_a_bad_value_names_its_range_as_the_command_line_does(cli, tmp_path):
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.run("builtin:lesson", set={"market.customers": -5}, quiet=True)
    e = raised.value
    assert e.key == "market.customers" and e.origin == "--set market.customers=-5"
    assert str(e) == cli_message(cli, "run", "builtin:lesson", "--set", "market.customers=-5", "--out", tmp_path / "x")


def test_values_a_scenario_cannot_hold_are_refused_by_key():
    d = salesim.scenario("builtin:lesson")
    d["market"]["customers"] = None
    with pytest.raises(salesim.ScenarioError, match="None") as raised:
        salesim.validate(d)
    assert raised.value.key == "market.customers"
    d["market"]["customers"] = object()
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.validate(d)
    assert raised.value.key == "market.customers"
    d["market"]["customers"] = 2**70
    with pytest.raises(salesim.ScenarioError, match="too large"):
        salesim.validate(d)
    d["market"] = {1: 2}
    with pytest.raises(salesim.ScenarioError, match="not text"):
        salesim.validate(d)


def test_numpy_numbers_are_numbers():
    np = pytest.importorskip("numpy")
    d = salesim.scenario("builtin:lesson")
    d["market"]["customers"] = np.int64(500)
    d["horizon_quarters"] = np.int32(2)
    assert salesim.validate(d)["name"] == "lesson"


def test_an_unknown_builtin_or_a_missing_file_is_named(cli, tmp_path):
    with pytest.raises(salesim.ScenarioError, match="did you mean `builtin:lesson`") as raised:
        salesim.scenario("builtin:lessn")
    assert str(raised.value) == cli_message(cli, "validate", "builtin:lessn")
    missing = tmp_path / "none.toml"
    with pytest.raises(salesim.ScenarioError, match="cannot be read"):
        salesim.run(missing, quiet=True)
    with pytest.raises(TypeError):
        salesim.run(42)


def test_bad_arguments_are_refused_before_anything_runs():
    with pytest.raises(ValueError, match="threads"):
        salesim.run("builtin:lesson", threads=0)
    with pytest.raises(ValueError, match="seed"):
        salesim.run("builtin:lesson", seed=-1)
    with pytest.raises(TypeError, match="replications"):
        salesim.run("builtin:lesson", replications=2.5)
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.run("builtin:lesson", replications=0, quiet=True)
    assert raised.value.key == "replications"
