"""Refreshing query results: the cache in front of the runners, and async jobs.

Modules, each importing only those above it:

* ``modes``: the ``refresh`` vocabulary (``ExecutionMode``, ``parse_refresh``);
* ``staleness``: when a cached result goes stale (pure; rules per runner);
* ``cache``: the result cache, its key (query + ``TeamContext``) and ``results_changed``;
* ``singleflight``: identical concurrent refreshes compute once;
* ``status``: the ``query_status`` record of an async job;
* ``compute``: run a runner and store its response (under the single-flight lock);
* ``progress``: a job's progress, summed from the backend's reports;
* ``jobs``: enqueue, run and ``cancel`` async jobs;
* ``tasks``, ``worker``: the Celery task and the worker embedded in the web process;
* ``results``: ``query_results``, the one entry point for views.
"""
