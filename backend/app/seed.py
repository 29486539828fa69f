"""Load the root db.json into an empty database, so `make run` serves the front end's data;
through the db.json importer, so the data is validated and verified as by `make migrate-data`."""

import logging

from app import importer
from app.config import ConfigError, Settings
from app.sessions import create_engine, create_sessionmaker, driver_connection, session_scope

logger = logging.getLogger("app.seed")

SEED_OPTIONS = importer.ImportOptions()
# Collections that hold data: a record, a singular resource or `$schema`. A new database holds
# only the empty `patients` collection that migration 0005 creates, which is no data.
_HOLDING_DATA = (
    "SELECT count(*) FROM collections AS c WHERE c.kind <> 'plural' "
    "OR EXISTS (SELECT 1 FROM records AS r WHERE r.collection = c.name)"
)


async def seed_if_empty(settings: Settings) -> int:
    """Import every collection of db.json when the database holds no data; returns how many
    records were loaded.

    Raises ConfigError when the file fails validation or does not verify: like json-server
    with an invalid db.json, the service does not start.
    """
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with session_scope(sessionmaker) as session:
            conn = await driver_connection(session)
            cursor = await conn.execute(_HOLDING_DATA)
            row = await cursor.fetchone()
        existing = int(row[0]) if row else 0
        if existing:
            logger.info("%d collections hold data; db.json was not loaded.", existing)
            return 0
        if not settings.seed_file.is_file():
            logger.info("The database is empty and there is no %s to load.", settings.seed_file)
            return 0
        validation = importer.validate_file(settings.seed_file, SEED_OPTIONS)
        report = importer.MigrationReport(SEED_OPTIONS, validation)
        await importer.migrate(sessionmaker, settings.seed_file, report)
        return _loaded(settings, report)
    finally:
        await engine.dispose()


def _loaded(settings: Settings, report: importer.MigrationReport) -> int:
    outcome = report.outcome
    if outcome is importer.Outcome.REFUSED:  # another process loaded it first
        logger.info("The database holds data already; db.json was not loaded.")
        return 0
    if outcome is not importer.Outcome.OK:
        for problem in report.validation.problems:
            logger.error("%s: %s", settings.seed_file, problem.message)
        written = (
            "it was written but does not verify" if report.committed else "nothing was written"
        )
        raise ConfigError(
            f"{settings.seed_file} was not loaded as it is ({outcome}): {written}. "
            "`make migrate-data DB_JSON=...` reports the details."
        )
    loaded: int = report.written
    logger.info(
        "Loaded %d records in %d collections from %s into the empty database.",
        loaded,
        len(report.collections),
        settings.seed_file,
    )
    return loaded
