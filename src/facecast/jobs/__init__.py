"""Persistent jobs: records in a SQL database and an in-process pool of worker threads.

`models` holds the tables, `store` the queries every other module uses, `runners` what each
job kind does (calling the same functions as the CLI), `worker` the pool that runs them.
"""
