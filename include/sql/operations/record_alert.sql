INSERT INTO audit.alerts (alert_key, kind, subject, sent_at) VALUES (:alert_key, :kind, :subject, :sent_at);
