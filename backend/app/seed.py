"""Load the root db.json into an empty database, so `make run` serves the front end's data."""

import logging

from app.config import Settings
from app.database import create_engine, create_sessionmaker, session_scope
from app.services import patients as patient_service

logger = logging.getLogger("app.seed")


async def seed_if_empty(settings: Settings) -> int:
    """Import db.json's patients when the table is empty; returns how many were loaded."""
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            existing = await patient_service.count(session)
            if existing:
                logger.info("The database holds %d patients; db.json was not loaded.", existing)
                return 0
            if not settings.seed_file.is_file():
                logger.info("The database is empty and there is no %s to load.", settings.seed_file)
                return 0
            records = patient_service.parse_collection(settings.seed_file.read_bytes())
            loaded = await patient_service.import_records(session, records)
            logger.info(
                "Loaded %d patients from %s into the empty database.", loaded, settings.seed_file
            )
            return loaded
    finally:
        await engine.dispose()
