"""Handlers that log through the root logger, as functions on AWS do."""

import logging

logging.basicConfig(level=logging.DEBUG, format="%(message)s")
logger = logging.getLogger()
logging.getLogger(__name__).warning("warning at import")


def log_levels(event, context):
    logger.debug("debug line")
    logger.info("info line")
    logger.warning("warning line")
    logger.error("error with %s", "arguments")
    return [handler.__class__.__name__ for handler in logger.handlers]


def log_exception(event, context):
    try:
        raise KeyError("missing")
    except KeyError:
        logger.exception("caught it")
    return "ok"


def log_extra(event, context):
    logger.warning("with extra", extra={"orderId": 42})
    return "ok"
