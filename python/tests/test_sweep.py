"""salesim.sweep: results over a grid, one DataFrame per table with a column per swept path."""

import pytest

import salesim

KNOB = "strategies.aggressive.discount_max"
SMALL = {"horizon_quarters": 2, "market.customers": 800}


@pytest.fixture(scope="module")
def swept():
    return salesim.sweep("builtin:lesson", {KNOB: [0.0, 0.25]}, replications=3, seed=11, set=SMALL, quiet=True)


def test_a_sweep_of_a_strategy_knob_is_one_dataframe_with_a_column_per_swept_path(swept):
    runs = swept.runs
    column = f"param_{KNOB}"
    assert list(runs.columns[:5]) == ["point", "variant", "replication", "seed", column]
    assert sorted(set(runs[column])) == [0.0, 0.25]
    assert runs.groupby("point")[column].nunique().eq(1).all()
    # Every point runs every variant on the same replication seeds.
    assert len(runs) == 2 * 2 * 3
    seeds = runs.groupby("point")["seed"].apply(lambda s: sorted(s)).to_list()
    assert seeds[0] == seeds[1]
    # The comparison per point: aligned against aggressive at each discount.
    bookings = swept.comparison.query("metric == 'bookings'")
    assert list(bookings[column]) == [0.0, 0.25]
    assert swept.manifest["sweep"]["parameters"] == [KNOB]


def test_the_swept_knob_moves_only_the_variant_that_uses_it(swept):
    runs = swept.runs.set_index(["point", "variant", "replication"])
    aligned = runs.xs("aligned", level="variant")["bookings"]
    aggressive = runs.xs("aggressive", level="variant")["bookings"]
    # Aligned never discounts at quarter end: its runs are the same at both points.
    assert (aligned.xs(0) == aligned.xs(1)).all()
    assert not (aggressive.xs(0) == aggressive.xs(1)).all()


def test_a_zip_sweep_pairs_the_lists_and_a_grid_crosses_them():
    paths = {KNOB: [0.0, 0.1, 0.2], "market.customers": [600, 700, 800]}
    small = {"horizon_quarters": 1}
    zipped = salesim.validate(salesim.scenario("builtin:lesson") | {"sweep": {"mode": "zip", "parameters": paths}}, set=small)
    assert zipped["points"] == 3
    r = salesim.sweep("builtin:lesson", paths, mode="zip", replications=1, set=small, quiet=True)
    points = r.runs.drop_duplicates("point")
    assert list(zip(points[f"param_{KNOB}"], points["param_market.customers"])) == [(0.0, 600.0), (0.1, 700.0), (0.2, 800.0)]
    grid = salesim.sweep("builtin:lesson", {KNOB: [0.0, 0.1], "market.customers": [600, 700]}, replications=1, set=small, quiet=True)
    assert grid.runs["point"].nunique() == 4


def test_a_bad_sweep_is_a_scenario_error_naming_its_path():
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.sweep("builtin:lesson", {"strategies.aggressive.discount_maxx": [0.1]}, quiet=True)
    assert "discount_maxx" in str(raised.value)
    assert "discount_max" in raised.value.allowed
    with pytest.raises(salesim.ScenarioError) as raised:
        salesim.sweep("builtin:lesson", {KNOB: [0.1, 0.2], "market.customers": [500]}, mode="zip", quiet=True)
    assert "zip" in str(raised.value)
    with pytest.raises(TypeError):
        salesim.sweep("builtin:lesson", {KNOB: ["a lot"]})
    with pytest.raises(TypeError):
        salesim.sweep("builtin:lesson", {})
