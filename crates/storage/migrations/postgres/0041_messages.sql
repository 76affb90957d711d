-- Secure messages (issue 16, point 1). A patient writes to a pool (a team the practice lists,
-- such as "My care team"), never to a person; the practice's staff answer in the same
-- conversation (a thread). Until a practice lists its own pools, the defaults apply (in code:
-- `domain::messaging::DEFAULT_POOLS`); once it saves its list, `message_pools` is the list,
-- closed pools kept so that old threads still name them.
CREATE TABLE message_pools (
    organization_id UUID NOT NULL REFERENCES organizations (id),
    key TEXT NOT NULL,
    name_en TEXT NOT NULL,
    name_es TEXT NOT NULL,
    -- A closed pool takes no new conversations; its threads go on.
    open BOOLEAN NOT NULL DEFAULT TRUE,
    position BIGINT NOT NULL,
    PRIMARY KEY (organization_id, key)
);

-- The practice's messaging settings; the defaults until an administrator saves them.
CREATE TABLE messaging_settings (
    organization_id UUID PRIMARY KEY REFERENCES organizations (id),
    enabled BOOLEAN NOT NULL,
    -- The practice answers within this many business days (shown to the patient, and the
    -- staff inbox marks a thread overdue after it).
    answer_business_days BIGINT NOT NULL CHECK (answer_business_days BETWEEN 1 AND 10),
    attachment_max_kib BIGINT NOT NULL CHECK (attachment_max_kib BETWEEN 100 AND 20480),
    updated_at TIMESTAMPTZ NOT NULL,
    updated_by UUID REFERENCES staff_accounts (id)
);

-- A conversation. `status` is where it stands for staff; `due_at` is when the practice has
-- promised an answer to the patient's newest unanswered message (NULL when nothing waits).
-- A thread may be about an item of the record (`about_kind` and `about_id`, with the words
-- that named it when it was written).
CREATE TABLE message_threads (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    pool_key TEXT NOT NULL,
    subject TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('unassigned', 'assigned', 'waiting-for-patient', 'closed')),
    assigned_to UUID REFERENCES staff_accounts (id),
    about_kind TEXT CHECK (about_kind IN ('result', 'medicine')),
    about_id UUID,
    about_label TEXT,
    created_at TIMESTAMPTZ NOT NULL,
    last_message_at TIMESTAMPTZ NOT NULL,
    due_at TIMESTAMPTZ,
    closed_at TIMESTAMPTZ,
    CHECK ((about_kind IS NULL) = (about_id IS NULL))
);
CREATE INDEX message_threads_of_patient ON message_threads (patient_id, organization_id, last_message_at);
CREATE INDEX message_threads_inbox ON message_threads (organization_id, status, pool_key, last_message_at);

-- A message in a thread: the patient's, a staff member's, or the practice's automatic reply
-- ('auto'). `read_at` is when the other side first opened it (the read receipt).
CREATE TABLE messages (
    id UUID PRIMARY KEY,
    thread_id UUID NOT NULL REFERENCES message_threads (id),
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    author_kind TEXT NOT NULL CHECK (author_kind IN ('patient', 'staff', 'auto')),
    author_staff_id UUID REFERENCES staff_accounts (id),
    body TEXT NOT NULL,
    sent_at TIMESTAMPTZ NOT NULL,
    read_at TIMESTAMPTZ,
    CHECK ((author_kind = 'staff') = (author_staff_id IS NOT NULL))
);
CREATE INDEX messages_of_thread ON messages (thread_id, sent_at);
CREATE INDEX messages_unread_by_patient ON messages (patient_id, organization_id)
    WHERE read_at IS NULL AND author_kind <> 'patient';

-- A file sent with a message, kept in the database so that any instance serves it. The type
-- is what the content is (checked on upload), never what the name says.
CREATE TABLE message_attachments (
    id UUID PRIMARY KEY,
    message_id UUID NOT NULL REFERENCES messages (id),
    organization_id UUID NOT NULL REFERENCES organizations (id),
    patient_id UUID NOT NULL REFERENCES patients (id),
    file_name TEXT NOT NULL,
    media_type TEXT NOT NULL CHECK (media_type IN ('application/pdf', 'image/png', 'image/jpeg', 'image/gif', 'image/webp')),
    size_bytes BIGINT NOT NULL,
    content BYTEA NOT NULL
);
CREATE INDEX message_attachments_of_message ON message_attachments (message_id);

-- Staff's notes on a thread: the patient never sees them.
CREATE TABLE message_notes (
    id UUID PRIMARY KEY,
    thread_id UUID NOT NULL REFERENCES message_threads (id),
    organization_id UUID NOT NULL REFERENCES organizations (id),
    staff_id UUID NOT NULL REFERENCES staff_accounts (id),
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX message_notes_of_thread ON message_notes (thread_id, created_at);

-- Reply templates staff pick from when they answer.
CREATE TABLE message_templates (
    id UUID PRIMARY KEY,
    organization_id UUID NOT NULL REFERENCES organizations (id),
    title TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (organization_id, title)
);
