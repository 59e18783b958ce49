SELECT value FROM hypertop.meta WHERE key = 'version'
