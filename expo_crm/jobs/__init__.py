"""Long jobs (bulk badge PDFs, card-folder imports, post-show mining) with progress.

A job is a row in ``jobs`` plus a function ``task(session, job, report, **params)``. When
``REDIS_URL`` is configured the job goes to an RQ queue served by ``expo-crm jobs worker``;
otherwise it runs in a background thread of the web process. Either way the page shows the
same progress, and the result (a summary and, optionally, a file) is kept on the row.
"""
