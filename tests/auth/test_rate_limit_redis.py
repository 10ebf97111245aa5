"""Several app processes share sign-in throttling through Redis (RATELIMIT_STORAGE_URI)."""
import uuid

import redis

from katapp import create_app
from katapp.extensions import db, limiter


def test_two_app_instances_share_the_failed_sign_in_limit(redis_url, database_url, _schema, app, make_user, auth):
    user = make_user("patient", email=f"shared-{uuid.uuid4().hex[:8]}@example.org")
    config = {"KATAPP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_STORAGE_URI": redis_url,
              "LOGIN_LIMIT_PER_ACCOUNT": "4 per 15 minutes"}
    first, second = create_app(config), create_app(config)
    try:
        for _ in range(2):
            assert auth.on(first.test_client()).login(user, "wrong password again").status_code == 200
            assert auth.on(second.test_client()).login(user, "wrong password again").status_code == 200
        # the fifth failure counts across both processes: throttled on either
        assert auth.on(second.test_client()).login(user, "wrong password again").status_code == 429
        assert auth.on(first.test_client()).login(user).status_code == 429
        # the counter lives in Redis (where other processes and hosts see it), not in this process
        keys = redis.Redis.from_url(redis_url).keys("*login-account*")
        assert any(user.email.encode() in key for key in keys), keys
    finally:
        for instance in (first, second):
            with instance.app_context():
                limiter.reset()
                db.engine.dispose()
