-- When the patient passed the access-code step (birth year or SSN last 4, per policy).
ALTER TABLE invitations ADD COLUMN access_code_verified_at TEXT;
