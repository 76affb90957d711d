-- Audit rows waiting to be sealed are a short queue: the sealer moves them into audit_log a
-- few milliseconds after they are written. Each of its two indexes cost every read two more
-- pages written twice (the insert, the seal's delete), one per patient and per actor in the
-- batch: with many patients reading at once, most of the pages a read's commit wrote. The
-- few queries that look at waiting rows by patient or by actor read the queue whole.
DROP INDEX audit_pending_by_patient;
DROP INDEX audit_pending_by_actor;
