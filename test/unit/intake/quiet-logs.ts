/** Imported first by handler tests: Powertools reads the level when the shared logger is created. */
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
