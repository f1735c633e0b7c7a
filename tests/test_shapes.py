"""The shape checker the API conformance suite relies on finds what a strict parser would."""

from tests.shapes import DATETIME, ID, URL, mismatches, nullable, one_of, optional

ISSUE = {"id": ID, "count": str, "userCount": int, "lastSeen": DATETIME, "permalink": URL,
         "assignedTo": nullable({"type": str}), optional("team"): {"id": ID},
         "stats": {"24h": [[int]]}, "score": one_of(int, str)}


def test_a_conforming_answer_has_no_mismatches():
    assert mismatches({"id": "1", "count": "3", "userCount": 2,
                       "lastSeen": "2026-12-03T10:00:00.123456Z", "permalink": "http://x/i/1/",
                       "assignedTo": None, "stats": {"24h": [[1, 2]]}, "score": "7"},
                      ISSUE) == []


def test_every_mismatch_is_named():
    problems = mismatches({"id": 1, "count": 3, "userCount": True,
                           "lastSeen": "2026-12-03T10:00:00+00:00", "permalink": "/i/1/",
                           "assignedTo": "alice", "team": {"id": "x"},
                           "stats": {"24h": [[1, 2.5]]}, "score": None}, ISSUE)
    assert [problem.split(":")[0] for problem in problems] == [
        "$.id", "$.count", "$.userCount", "$.lastSeen", "$.permalink", "$.assignedTo",
        "$.team.id", "$.stats.24h[0][1]", "$.score"]
    assert mismatches({}, {"id": str, optional("x"): int}) == ["$.id: missing"]
    assert mismatches([{"id": "1"}, "no"], [{"id": str}]) == ["$[1]: an object, got 'no'"]
