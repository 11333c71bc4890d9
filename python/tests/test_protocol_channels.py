"""Protocol group "channels": channel_append and channel_read, against the
real server. A channel exists only when the process spec lists its name in
"channels"; only the submitter and the assigned executor may use it."""

import pytest

import colonies

from colonies import ChannelEntry, ForbiddenError, NotFoundError, func_spec
from conftest import add_executor, assert_refused


@pytest.fixture
def process(client, colony, executor):
    return client.submit_func_spec(
        func_spec("chat", [], colony.name, executor.type, channels=["chat", "side"]),
        executor.prvkey)


def test_append_and_read(client, executor, process):
    assert process.spec.channels == ["chat", "side"]
    assert client.channel_read(process.processid, "chat", 0, 0, executor.prvkey) == []

    # pycolonies' names: in_reply_to and payload_type; the alias replies {}.
    assert client.channel_append(process.processid, "chat", 1, b"hello", executor.prvkey) == {}
    assert client.channel_append(process.processid, "chat", 2, b"world", executor.prvkey,
                                 in_reply_to=1) == {}
    assert client.channel_append(process.processid, "chat", 3, b"", executor.prvkey,
                                 in_reply_to=2, payload_type="end") == {}

    entries = client.channel_read(process.processid, "chat", 0, 0, executor.prvkey)
    assert all(isinstance(e, ChannelEntry) for e in entries)
    assert [(e.sequence, e.inreplyto, e.payload, e.type) for e in entries] == [
        (1, 0, b"hello", "data"), (2, 1, b"world", "data"), (3, 2, b"", "end")]
    assert {e.senderid for e in entries} == {executor.id}
    assert entries[0].timestamp <= entries[1].timestamp <= entries[2].timestamp
    # The other channel of the process is separate.
    assert client.channel_read(process.processid, "side", 0, 0, executor.prvkey) == []


def test_read_from_a_position_and_limit(client, executor, process):
    for seq in range(1, 6):
        client.channel_append(process.processid, "chat", seq, bytes([seq]), executor.prvkey)

    def sequences(after, limit):
        return [e.sequence for e in client.channel_read(process.processid, "chat", after, limit,
                                                        executor.prvkey)]

    assert sequences(0, 0) == [1, 2, 3, 4, 5]
    assert sequences(2, 0) == [3, 4, 5]  # afterseq is a position in the log
    assert sequences(1, 2) == [2, 3]
    assert sequences(5, 0) == []


def test_error_payload_type(client, colony, executor, process):
    client.assign_process(colony.name, 5, executor.prvkey)
    client.channel_append(process.processid, "chat", 7, b"oops", executor.prvkey,
                          payload_type="error")
    entry, = client.channel_read(process.processid, "chat", 0, 0, executor.prvkey)
    assert (entry.sequence, entry.payload, entry.type) == (7, b"oops", "error")


def test_str_payload_is_sent_as_its_utf8_bytes(client, executor, process):
    # pycolonies' channel_append takes str payloads and sends their UTF-8 bytes.
    client.channel_append(process.processid, "chat", 1, "abcd", executor.prvkey)
    client.channel_append(process.processid, "chat", 2, "hello", executor.prvkey)
    payloads = [e.payload for e in client.channel_read(process.processid, "chat", 0, 0,
                                                       executor.prvkey)]
    assert payloads == [b"abcd", b"hello"]


def test_sequence_takes_the_whole_int64_range(client, executor, process):
    # sequence is an int64; its largest value is 2**63 - 1, and 2**63 is refused.
    client.channel_append(process.processid, "chat", 2**63 - 1, b"x", executor.prvkey)
    entry, = client.channel_read(process.processid, "chat", 0, 0, executor.prvkey)
    assert entry.sequence == 2**63 - 1
    with pytest.raises(colonies.InvalidArgumentError, match="sequence is out of the 64-bit range"):
        client.channel_append(process.processid, "chat", 2**63, b"x", executor.prvkey)


def test_large_sequences_keep_their_precision(client, executor, process):
    for seq in (2**53 + 1, 1796003767506007145):
        client.channel_append(process.processid, "chat", seq, b"x", executor.prvkey)
    assert [e.sequence for e in client.channel_read(process.processid, "chat", 0, 0,
                                                    executor.prvkey)] == [2**53 + 1,
                                                                          1796003767506007145]


def test_undeclared_and_closed_channels(client, colony, executor, process):
    with pytest.raises(NotFoundError) as e:
        client.channel_read(process.processid, "undeclared", 0, 0, executor.prvkey)
    assert_refused(e, "channelreadmsg", 404, "Channel not found")
    with pytest.raises(NotFoundError) as e:
        client.channel_append(process.processid, "undeclared", 1, b"x", executor.prvkey)
    assert_refused(e, "channelappendmsg", 404, "Channel not found")
    with pytest.raises(NotFoundError) as e:
        client.channel_read("0" * 64, "chat", 0, 0, executor.prvkey)
    assert_refused(e, "channelreadmsg", 404, "Process not found")

    client.channel_append(process.processid, "chat", 1, b"x", executor.prvkey)
    client.assign_process(colony.name, 5, executor.prvkey)
    client.close_successful(process.processid, executor.prvkey)
    with pytest.raises(NotFoundError) as e:  # closing the process removes its channels
        client.channel_read(process.processid, "chat", 0, 0, executor.prvkey)
    assert_refused(e, "channelreadmsg", 404, "Channel not found")


def test_only_the_submitter_or_the_executor_may_use_a_channel(client, colony, executor,
                                                               process, crypto):
    other, key, _ = add_executor(client, colony, executor.type)
    with pytest.raises(ForbiddenError) as e:
        client.channel_append(process.processid, "chat", 1, b"x", key)
    assert_refused(e, "channelappendmsg", 403, "Not authorized to write to channel")
    with pytest.raises(ForbiddenError) as e:
        client.channel_read(process.processid, "chat", 0, 0, key)
    assert_refused(e, "channelreadmsg", 403, "Not authorized to read from channel")
    assert client.channel_read(process.processid, "chat", 0, 0, executor.prvkey) == []
