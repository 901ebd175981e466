-- Whether an alert with this key was already sent.
SELECT COUNT(*) FROM audit.alerts WHERE alert_key = :alert_key;
