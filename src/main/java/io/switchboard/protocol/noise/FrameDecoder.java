package io.switchboard.protocol.noise;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Cuts a byte stream (WebSocket messages holding several frames or part of one) into frames.
 * A server-side decoder first reads the client's intro header. After any violation the decoder
 * is dead and refuses further input, like netty's CORRUPT state.
 */
public final class FrameDecoder {

    private enum State { AWAITING_HEADER, READING, CORRUPT }

    private final int maxFrameSize;
    private State state;
    private IntroHeader header;
    private byte[] buffer = new byte[0];
    private int length;

    private FrameDecoder(boolean expectHeader, int maxFrameSize) {
        if (maxFrameSize < 1 || maxFrameSize > FrameEncoder.MAX_FRAME_SIZE) {
            throw new IllegalArgumentException("max frame size out of range");
        }
        this.maxFrameSize = maxFrameSize;
        this.state = expectHeader ? State.AWAITING_HEADER : State.READING;
    }

    public static FrameDecoder client(int maxFrameSize) {
        return new FrameDecoder(false, maxFrameSize);
    }

    public static FrameDecoder server(int maxFrameSize) {
        return new FrameDecoder(true, maxFrameSize);
    }

    /** The client's intro header, once read (server side only). */
    public IntroHeader header() {
        return header;
    }

    /** Appends {@code data} and returns every frame now complete, in order. */
    public List<byte[]> feed(byte[] data) throws FrameException {
        if (state == State.CORRUPT) {
            throw new FrameException("stream already failed");
        }
        append(data);
        List<byte[]> frames = new ArrayList<>();
        int position = 0;
        if (state == State.AWAITING_HEADER) {
            if (length < IntroHeader.SIZE) {
                return frames;
            }
            header = IntroHeader.parse(buffer, 0);
            if (header == null) {
                return fail("stream does not start with a WhatsApp intro header");
            }
            position = IntroHeader.SIZE;
            state = State.READING;
        }
        while (length - position >= FrameEncoder.LENGTH_SIZE) {
            int size = (buffer[position] & 0xff) << 16 | (buffer[position + 1] & 0xff) << 8 | buffer[position + 2] & 0xff;
            if (size > maxFrameSize) {
                return fail("frame of " + size + " bytes exceeds the limit of " + maxFrameSize);
            }
            if (length - position - FrameEncoder.LENGTH_SIZE < size) {
                break;
            }
            int start = position + FrameEncoder.LENGTH_SIZE;
            frames.add(Arrays.copyOfRange(buffer, start, start + size));
            position = start + size;
        }
        consume(position);
        return frames;
    }

    private List<byte[]> fail(String message) throws FrameException {
        state = State.CORRUPT;
        buffer = new byte[0];
        length = 0;
        throw new FrameException(message);
    }

    private void append(byte[] data) {
        if (length + data.length > buffer.length) {
            buffer = Arrays.copyOf(buffer, Math.max(length + data.length, buffer.length * 2));
        }
        System.arraycopy(data, 0, buffer, length, data.length);
        length += data.length;
    }

    private void consume(int count) {
        if (count == 0) {
            return;
        }
        System.arraycopy(buffer, count, buffer, 0, length - count);
        length -= count;
        if (buffer.length > 64 * 1024 && length < buffer.length / 4) {
            buffer = Arrays.copyOf(buffer, Math.max(length, 1024));
        }
    }
}
