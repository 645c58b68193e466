import pytest

from lyceum.core import hooks


def test_collect_concatenates_what_providers_return(monkeypatch):
    monkeypatch.setattr(hooks, "_providers", hooks.defaultdict(list))
    hooks.provide("course_page.offers", lambda **kw: [{"price": 1, **kw}])
    hooks.provide("course_page.offers", lambda **kw: [{"price": 2}])

    assert hooks.collect("course_page.offers", course="c") == [{"price": 1, "course": "c"}, {"price": 2}]


def test_unknown_hook_names_fail_loudly():
    with pytest.raises(ValueError):
        hooks.collect("no.such.hook")
    with pytest.raises(ValueError):
        hooks.provide("no.such.hook", lambda **kw: [])
