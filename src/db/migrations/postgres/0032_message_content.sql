-- What a message of a channel other than SMS carries besides its text
-- (decision 0036): the WhatsApp message object as it is sent (text, media,
-- template, the message it replies to), or an inbound message's type and
-- Meta's id of it. NULL for SMS.
ALTER TABLE messages ADD COLUMN content TEXT;
