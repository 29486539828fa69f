"""Load the root db.json into an empty database, so `make run` serves the front end's data;
through the db.json importer, so the data is validated and verified as by `make migrate-data`."""

import logging

from app.config import ConfigError, Settings
from app.services import importer
from app.services import patients as patient_service
from app.sessions import create_engine, create_sessionmaker, driver_connection, session_scope

logger = logging.getLogger("app.seed")

# Only patients are served, so other top-level data is reported rather than refused.
SEED_OPTIONS = importer.ImportOptions(patients_only=True)


async def seed_if_empty(settings: Settings) -> int:
    """Import db.json's patients when the table is empty; returns how many were loaded.

    Raises ConfigError when the file fails validation or does not verify: like json-server
    with an invalid db.json, the service does not start.
    """
    engine = create_engine(settings)
    try:
        sessionmaker = create_sessionmaker(engine)
        async with session_scope(sessionmaker) as session:
            existing = await patient_service.count(await driver_connection(session))
        if existing:
            logger.info("The database holds %d patients; db.json was not loaded.", existing)
            return 0
        if not settings.seed_file.is_file():
            logger.info("The database is empty and there is no %s to load.", settings.seed_file)
            return 0
        validation = importer.validate_file(settings.seed_file, SEED_OPTIONS)
        for key in validation.other_keys:
            logger.warning(
                "%s also holds %s, which is not served.", settings.seed_file, key.describe()
            )
        report = importer.MigrationReport(SEED_OPTIONS, validation)
        await importer.migrate(sessionmaker, settings.seed_file, report)
        return _loaded(settings, report)
    finally:
        await engine.dispose()


def _loaded(settings: Settings, report: importer.MigrationReport) -> int:
    outcome = report.outcome
    if outcome is importer.Outcome.REFUSED:  # another process loaded it first
        logger.info("The database holds %d patients; db.json was not loaded.", report.before)
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
    logger.info(
        "Loaded %d patients from %s into the empty database.", report.written, settings.seed_file
    )
    return report.written
