"""Offline evaluation maths on hand-checked data, the leave-last-out split and the CSV loader."""

from __future__ import annotations

import math

import numpy as np
import pytest
from django.core.management import CommandError, call_command

from lyceum.recommendations.engine.data import CsvError, interactions_from_rows, load_csv
from lyceum.recommendations.engine.evaluation import coverage, evaluate, hit_rate, leave_last_out, ndcg
from lyceum.recommendations.engine.hybrid import Params

FAST = Params(factors=4, iterations=3)


def test_hit_rate_ndcg_and_coverage_by_hand():
    # given three users' top lists and their held-out items
    ranked = [[5, 1, 2], [3, 4, 0], [1, 2, 3]]
    targets = [5, 0, 9]  # rank 1, rank 3, miss
    # then: HR@3 = 2/3; NDCG@3 = (1/log2(2) + 1/log2(4) + 0) / 3 = (1 + 0.5) / 3
    assert hit_rate(ranked, targets, 3) == pytest.approx(2 / 3)
    assert ndcg(ranked, targets, 3) == pytest.approx(0.5)
    # at k = 2 the second user's item (rank 3) no longer counts
    assert hit_rate(ranked, targets, 2) == pytest.approx(1 / 3)
    assert ndcg(ranked, targets, 2) == pytest.approx(1 / 3)
    # coverage: items {5, 1, 2, 3, 4, 0} of 10 at k = 3; {5, 1, 3, 4, 2} at k = 2
    assert coverage(ranked, 10, 3) == pytest.approx(0.6)
    assert coverage(ranked, 10, 2) == pytest.approx(0.5)
    assert ndcg([[7, 8, 1]], [1], 3) == pytest.approx(1 / math.log2(4))


def test_metrics_of_nothing_are_zero():
    assert hit_rate([], [], 10) == 0.0
    assert ndcg([], [], 10) == 0.0
    assert coverage([[1]], 0, 10) == 0.0


def test_pairs_are_merged_and_leave_last_out_holds_out_each_users_latest():
    data = interactions_from_rows(
        [("u1", "a", 10, 1.0), ("u1", "a", 5, 2.0), ("u1", "b", 20, 1.0), ("u2", "c", 3, 1.0), ("u2", "a", 1, 1.0)]
    )
    assert len(data) == 4  # (u1, a) merged: weight 3, earliest time 5
    row = next(n for n in range(len(data)) if data.users[n] == 0 and data.items[n] == 0)
    assert data.weights[row] == pytest.approx(3.0) and data.times[row] == 5
    train, held = leave_last_out(data)
    assert {data.user_keys[u]: data.item_keys[i] for u, i in held.items()} == {"u1": "b", "u2": "c"}
    assert sorted((train.user_keys[u], train.item_keys[i]) for u, i in zip(train.users, train.items, strict=True)) == [
        ("u1", "a"),
        ("u2", "a"),
    ]
    assert train.matrix().shape == (2, 3)


def test_csv_evaluation_runs_every_available_method(tmp_path):
    # given a small file with a clear pattern: everyone takes a then b, some c
    lines = ["user_id,item_id,timestamp,weight"]
    for u in range(30):
        lines.append(f"u{u},a,{u * 10},1")
        lines.append(f"u{u},b,{u * 10 + 5},2")
        if u % 3 == 0:
            lines.append(f"u{u},c,{u * 10 + 1},1")
    path = tmp_path / "log.csv"
    path.write_text("\n".join(lines), encoding="utf-8")
    report = evaluate(load_csv(path), params=FAST, k=2)
    # then: content and topic have no catalogue (n/a); the others are measured
    by = {r.method: r for r in report.rows}
    assert by["content"].hr is None and by["topic"].hr is None
    assert by["popularity"].hr == pytest.approx(1.0)  # b is everyone's last and the most taken after a
    assert by["hybrid"].hr is not None and 0 <= by["hybrid"].ndcg <= 1
    assert by["hybrid"].users == 30


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        ("u1,a\n", "line 1: expected 3 or 4 columns"),
        ("user_id,item_id,timestamp\nu1,a,yesterday\n", "line 2: timestamp 'yesterday'"),
        ("u1,a,2024-01-01T10:00:00\n", "line 1: timestamp"),  # no time zone
        ("u1,,5\n", "line 1: item_id is empty"),
        (",a,5\n", "line 1: user_id is empty"),
        ("u1,a,5,heavy\n", "line 1: weight 'heavy' is not a number"),
        ("u1,a,5,-1\n", "line 1: weight '-1' must be a positive number"),
        ("u1,a,5\nu2,b,nan\n", "line 2: timestamp 'nan'"),
        ("user_id,item_id,timestamp\n", "no interactions"),
    ],
)
def test_csv_loader_names_the_bad_line(tmp_path, content, expected):
    path = tmp_path / "bad.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(CsvError) as caught:
        load_csv(path)
    assert expected in str(caught.value)


def test_csv_loader_reports_every_bad_line_and_accepts_iso_and_epoch(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("u1,a,1700000000\nu1,b,2024-01-01T10:00:00+08:00,2.5\nu2,a,x\nu3\n", encoding="utf-8")
    with pytest.raises(CsvError) as caught:
        load_csv(path)
    assert caught.value.problems == [
        "line 3: timestamp 'x' is neither seconds since the epoch nor ISO 8601 with a time zone",
        "line 4: expected 3 or 4 columns (user_id,item_id,timestamp[,weight]), got 1",
    ]
    path.write_text("u1,a,1700000000\nu1,b,2024-01-01T10:00:00+08:00,2.5\n", encoding="utf-8")
    data = load_csv(path)
    assert data.user_keys == ["u1"] and data.item_keys == ["a", "b"]
    assert np.allclose(sorted(data.weights.tolist()), [1.0, 2.5])


def test_csv_loader_refuses_missing_and_binary_files(tmp_path):
    with pytest.raises(CsvError, match="cannot open"):
        load_csv(tmp_path / "nope.csv")
    path = tmp_path / "binary.csv"
    path.write_bytes(b"\xff\xfe\x00\x81\x00")
    with pytest.raises(CsvError, match=r"unreadable|line 1"):
        load_csv(path)


def test_eval_command_on_a_bad_csv_is_a_clean_error(tmp_path):
    path = tmp_path / "bad.csv"
    path.write_text("u1,a,soon\n", encoding="utf-8")
    with pytest.raises(CommandError, match="line 1: timestamp 'soon'"):
        call_command("eval_recommender", "--csv", str(path))
