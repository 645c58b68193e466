"""The classifier: training with a held-out split, storage without pickle, the scoring model."""

from __future__ import annotations

import io
import json
from io import StringIO

import numpy as np
import pytest
from django.core.management import call_command

from lyceum.core.models import Event
from lyceum.moderation.detection import classifier
from lyceum.moderation.models import Case, CaseSource, CaseStatus, Report, ReportReason, SpamModel

pytestmark = pytest.mark.django_db

# Measured on the shipped seed set (346 posts): held-out precision 0.95-1.0 and recall 0.93-0.98
# over split seeds 0-4; the floors leave room for a re-worded seed set.
PRECISION_FLOOR = 0.85
RECALL_FLOOR = 0.85


@pytest.fixture(autouse=True)
def _fresh_model():
    classifier.forget()
    yield
    classifier.forget()


def test_the_seed_set_is_large_balanced_and_bilingual():
    rows = [json.loads(line) for line in classifier.SEED_PATH.read_text(encoding="utf-8").splitlines() if line]
    assert len(rows) >= 300
    spam = [r for r in rows if r["spam"] == 1]
    assert 0.4 <= len(spam) / len(rows) <= 0.6
    for lang in ("zh", "en"):
        assert sum(1 for r in rows if r["lang"] == lang and r["spam"]) >= 50
        assert sum(1 for r in rows if r["lang"] == lang and not r["spam"]) >= 50
    assert len({r["text"] for r in rows}) == len(rows)


def test_train_spam_stores_an_active_model_with_held_out_metrics():
    old = SpamModel.objects.create(params={}, weights=b"", is_active=True)
    out = StringIO()

    call_command("train_spam", stdout=out)

    model = SpamModel.objects.get(is_active=True)
    assert model.pk != old.pk
    old.refresh_from_db()
    assert old.is_active is False
    m = model.metrics
    for key in ("precision", "recall", "f1"):
        assert isinstance(m[key], float)
        assert 0.0 <= m[key] <= 1.0
    assert m["precision"] >= PRECISION_FLOOR
    assert m["recall"] >= RECALL_FLOOR
    assert m["n_train"] + m["n_test"] == model.examples == m["seed_examples"]
    assert m["spam_test"] > 0
    assert "precision" in out.getvalue() and f"spam model {model.pk} is active" in out.getvalue()
    event = Event.objects.get(name="spam_model.trained")
    assert event.object_id == str(model.pk)
    assert event.props["examples"] == model.examples


def test_shuffled_labels_are_clearly_worse_and_store_nothing():
    texts, labels = [t for t, _ in classifier.seed_examples()], [y for _, y in classifier.seed_examples()]
    out = StringIO()

    call_command("train_spam", "--shuffle-labels", stdout=out)

    assert SpamModel.objects.count() == 0
    assert "[shuffled labels]" in out.getvalue() and "nothing stored" in out.getvalue()
    real = classifier.evaluate(texts, labels, seed=0)
    shuffled = classifier.evaluate(texts, labels, seed=0, shuffle_labels=True)
    assert shuffled["shuffled"] is True
    assert shuffled["f1"] < real["f1"] - 0.3


def test_weights_round_trip_without_pickle():
    seeds = classifier.seed_examples()
    fitted = classifier.fit([t for t, _ in seeds], [y for _, y in seeds])
    model = SpamModel.objects.create(params=fitted.params(), weights=fitted.weights())
    model.refresh_from_db()

    with np.load(io.BytesIO(bytes(model.weights)), allow_pickle=False) as arrays:
        assert sorted(arrays.files) == ["coef", "idf", "intercept"]
        assert all(arrays[name].dtype == np.float64 for name in arrays.files)
    json.dumps(model.params)  # plain JSON
    loaded = classifier.Fitted.load(params=model.params, weights=model.weights)
    texts = ["加微信 abc123 领资料", "see lesson 3 at 10:30", "DM me for the course PDF", ""]
    assert np.allclose(loaded.probabilities(texts), fitted.probabilities(texts))


def test_the_stored_features_equal_sklearns():
    from sklearn.feature_extraction.text import TfidfVectorizer

    from lyceum.moderation.detection.text import for_classifier

    texts = [t for t, _ in classifier.seed_examples()]
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), lowercase=False, sublinear_tf=True)
    expected = vectorizer.fit_transform([for_classifier(t) for t in texts])
    fitted = classifier.Fitted(
        vocabulary=list(vectorizer.get_feature_names_out()), idf=vectorizer.idf_, coef=np.zeros(len(vectorizer.idf_)),
        intercept=0.0,
    )  # fmt: skip
    assert np.allclose(fitted.features(texts[:20]).toarray(), expected[:20].toarray())


def test_a_pickled_weights_blob_is_refused():
    seeds = classifier.seed_examples()
    fitted = classifier.fit([t for t, _ in seeds], [y for _, y in seeds])
    buffer = io.BytesIO()
    np.savez(buffer, idf=np.array([object()], dtype=object), coef=fitted.coef, intercept=np.array([0.0]))
    with pytest.raises(ValueError):
        classifier.Fitted.load(params=fitted.params(), weights=buffer.getvalue())


def case(text: str, *, decision: str, source: str = CaseSource.DETECTOR, status: str = CaseStatus.RESOLVED) -> Case:
    return Case.objects.create(
        target_kind="thread", target_id=Case.objects.count() + 1, source=source, status=status, text=text,
        decision=decision,
    )  # fmt: skip


def test_moderators_decisions_become_examples(learner):
    spam_by_filter = case("加群领资料，群号见主页", decision="hide")
    reported = case("cheap essays, message me", decision="delete", source=CaseSource.REPORTS)
    Report.objects.create(
        reporter=learner, target_kind="thread", target_id=reported.target_id, reason=ReportReason.SPAM, case=reported
    )
    harassment = case("you are an idiot", decision="hide", source=CaseSource.REPORTS)
    Report.objects.create(
        reporter=learner,
        target_kind="thread",
        target_id=harassment.target_id,
        reason=ReportReason.HARASSMENT,
        case=harassment,
    )
    case("my notes for lesson 3 are in the group files", decision="approve")
    case("still open: 加V 123456", decision="", status=CaseStatus.OPEN)
    case("", decision="hide")

    examples = classifier.case_examples()

    assert sorted(examples) == sorted(
        [(spam_by_filter.text, 1), (reported.text, 1), ("my notes for lesson 3 are in the group files", 0)]
    )
    result = classifier.train()
    assert result.metrics["case_examples"] == 3
    assert result.model is not None and result.model.examples == result.metrics["seed_examples"] + 3


def test_scoring_fits_from_the_seed_set_until_a_model_is_trained(caplog, django_assert_num_queries):
    caplog.set_level("INFO", logger="lyceum.moderation.detection.classifier")
    classifier.forget(seed=True)
    first = classifier.current()
    assert "fitting one from the seed set" in caplog.text
    with django_assert_num_queries(1):  # which model is active: nothing is refitted or reloaded
        assert classifier.current() is first

    result = classifier.train()

    assert result.model is not None
    with django_assert_num_queries(2):  # a newer model: loaded once
        newer = classifier.current()
    assert newer is not first
    with django_assert_num_queries(1):
        assert classifier.current() is newer
    assert classifier.spam_probability("加微信 abc123 领取全套网课资料") > 0.5
    assert classifier.spam_probability("") == 0.0


def test_too_few_examples_are_refused(monkeypatch):
    monkeypatch.setattr(classifier, "seed_examples", lambda: [("spam", 1)] * 3 + [("ham", 0)] * 30)
    with pytest.raises(Exception, match="at least 8"):
        call_command("train_spam")
    assert SpamModel.objects.count() == 0


def test_help_is_clear():
    from lyceum.moderation.management.commands.train_spam import Command

    parser = Command().create_parser("manage.py", "train_spam")
    text = parser.format_help()
    assert "held-out" in text and "--shuffle-labels" in text and "--seed-set-only" in text


def test_a_retrain_keeps_only_the_newest_old_models():
    old = [SpamModel.objects.create(params={}, weights=b"", is_active=False) for _ in range(classifier.KEEP_OLD + 2)]

    result = classifier.train()

    assert SpamModel.objects.count() == classifier.KEEP_OLD + 1
    assert SpamModel.objects.get(is_active=True) == result.model
    assert not SpamModel.objects.filter(pk__in=[m.pk for m in old[:2]]).exists()


def test_a_broken_stored_model_falls_back_to_the_seed_set(caplog):
    SpamModel.objects.create(params={"format": 1, "analyzer": "char_wb"}, weights=b"not a zip")

    assert classifier.spam_probability("加微信 abc123 领取全套网课资料") > 0.5
    assert "cannot be loaded" in caplog.text
