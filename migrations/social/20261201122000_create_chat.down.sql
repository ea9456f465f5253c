DROP TABLE channel_read_marks;
DROP TABLE chat_message_edits;
DROP TABLE chat_messages;
DROP TABLE chat_channels;
