"""An import run from end to end, once the file has been validated: write (or plan) in one
transaction, then read everything back and verify it."""

from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.importer.options import Mode
from app.importer.report import Action, CollectionReport, MigrationReport
from app.importer.validation import Progress, SourceChanged, no_progress
from app.importer.verification import verify
from app.importer.writing import Refused, write


async def migrate(
    sessionmaker: async_sessionmaker[AsyncSession],
    path: Path,
    report: MigrationReport,
    progress: Progress = no_progress,
) -> None:
    """Write (or, in a dry run, plan) the validated file, then verify; fills `report`."""
    if not report.validation.ok:
        return
    options = report.options
    try:
        if options.mode is Mode.VERIFY_ONLY:
            report.collections = [
                CollectionReport(source.name, source.kind, Action.COMPARE)
                for source in report.validation.selected
                if source.kind is not None
            ]
        else:
            await write(sessionmaker, path, report, progress)
        if options.dry_run and options.mode is not Mode.VERIFY_ONLY:
            return
        await verify(sessionmaker, path, report, progress)
    except Refused:
        return
    except SourceChanged:
        report.source_changed = True
