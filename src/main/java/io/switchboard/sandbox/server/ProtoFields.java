package io.switchboard.sandbox.server;

import java.nio.charset.StandardCharsets;

/** A minimal protobuf reader over a byte range, the sandbox's own; anything malformed is a protocol error. */
final class ProtoFields {

    private final byte[] bytes;
    private final int end;
    private int at;
    private long key;

    ProtoFields(byte[] bytes, int from, int to) {
        this.bytes = bytes;
        this.at = from;
        this.end = to;
    }

    boolean more() {
        return at < end;
    }

    int field() throws SandboxProtocolException {
        key = varint();
        return (int) (key >>> 3);
    }

    int wire() {
        return (int) (key & 7);
    }

    String string() throws SandboxProtocolException {
        int[] range = bytes();
        return new String(bytes, range[0], range[1] - range[0], StandardCharsets.UTF_8);
    }

    int[] bytes() throws SandboxProtocolException {
        long length = varint();
        if (length < 0 || length > end - at) {
            throw new SandboxProtocolException("protobuf length " + length + " runs past the message");
        }
        int[] range = {at, at + (int) length};
        at += (int) length;
        return range;
    }

    void skip() throws SandboxProtocolException {
        switch (wire()) {
            case 0 -> varint();
            case 1 -> at += 8;
            case 2 -> bytes();
            case 5 -> at += 4;
            default -> throw new SandboxProtocolException("protobuf wire type " + wire());
        }
        if (at > end) {
            throw new SandboxProtocolException("protobuf field runs past the message");
        }
    }

    long varint() throws SandboxProtocolException {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (at >= end) {
                throw new SandboxProtocolException("protobuf varint cut short");
            }
            byte b = bytes[at++];
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new SandboxProtocolException("protobuf varint too long");
    }
}
