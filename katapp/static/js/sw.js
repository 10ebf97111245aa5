// katapp service worker: filled in by the PWA issue.
