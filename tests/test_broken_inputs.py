"""Every broken input of the corpus gives its documented outcome, with nothing lost."""

from __future__ import annotations

import shutil

import pytest
from broken_corpus import CASES, CORPUS, Case
from portal_files import valid_rows, write_csv

from dxstats.errors import BatchRejected
from dxstats.ingest import ingest_portal_month
from dxstats.periods import Month


def test_corpus_is_complete():
    assert len(CASES) >= 10
    assert sorted(p.name for p in CORPUS.iterdir()) == sorted(c.name for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_broken_input(case: Case, warehouse, landing):
    folder = landing / "portal" / "2022-01"
    folder.mkdir(parents=True)
    landed = folder / case.name
    if case.outcome == "file":
        # A good export of the month is loaded first: a refused file must leave it as it was.
        good = write_csv(folder / "good.csv", valid_rows(3))
        ingest_portal_month(Month(2022, 1), "good", warehouse, landing)
        before = warehouse.frame("SELECT * FROM core.fact_filing ORDER BY filing_id")
        good.unlink()
        shutil.copyfile(CORPUS / case.name, landed)
        with pytest.raises(BatchRejected) as err:
            ingest_portal_month(Month(2022, 1), "corpus", warehouse, landing)
        assert case.message in str(err.value)
        assert str(landed) in str(err.value)
        after = warehouse.frame("SELECT * FROM core.fact_filing ORDER BY filing_id")
        assert len(before) == 3
        assert after.equals(before)
        batch = warehouse.frame("SELECT status, message FROM audit.batches WHERE run_id = 'corpus'")
        assert batch["status"].tolist() == ["rejected"]
        assert case.message in batch["message"][0]
    else:
        shutil.copyfile(CORPUS / case.name, landed)
        result = ingest_portal_month(Month(2022, 1), "corpus", warehouse, landing)
        rows_rejected = len({row for row, _, _ in case.rejected})
        assert (result.rows_read, result.rows_rejected) == (case.rows_read, rows_rejected)
        assert result.rows_loaded == case.rows_read - rows_rejected
        rejected = warehouse.frame(
            "SELECT source_row, column_name, check_name FROM audit.rejected_rows ORDER BY source_row, check_name")
        assert [tuple(r) for r in rejected.itertuples(index=False)] == sorted(case.rejected)
        loaded = warehouse.frame("SELECT COUNT(*) AS n FROM core.fact_filing")["n"][0]
        assert loaded == result.rows_loaded
    assert landed.read_bytes() == (CORPUS / case.name).read_bytes()  # the landing file stays as received
