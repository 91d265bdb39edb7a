package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeDecodeException;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.NodeEncoder;
import io.switchboard.protocol.binary.TokenDictionary;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.noise.CertificateVerifier;
import io.switchboard.protocol.noise.ClientHandshake;
import io.switchboard.protocol.noise.FrameDecoder;
import io.switchboard.protocol.noise.FrameEncoder;
import io.switchboard.protocol.noise.FrameException;
import io.switchboard.protocol.noise.HandshakeException;
import io.switchboard.protocol.noise.IntroHeader;
import io.switchboard.protocol.noise.TransportCipher;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Clock;

/**
 * One WebSocket to WhatsApp: framing, the Noise handshake, then stanzas. Every method runs on
 * the owning client's context. A connection is used once; the client makes a new one to
 * reconnect.
 */
final class Connection {

    enum State { CONNECTING, HANDSHAKING, AWAITING_SCAN, PAIRED, LOGGING_IN, CONNECTED, CLOSED }

    /** What the connection tells its client. */
    interface Listener {
        void onPairDevice(Connection connection, Node iq);

        void onPairSuccess(Connection connection, Node iq);

        void onConnected(Connection connection, String lid);

        /** WhatsApp asks an unpaired companion for a new advertising secret and a redrawn QR. */
        void onCompanionRefresh(Connection connection);

        /** The phone answered a link-code request: its wrapped ephemeral key and identity. */
        void onLinkCodeFromPhone(Connection connection, Node notification);

        /** A message for us: the listener decrypts and stores it, then receipts and acks it. */
        void onMessage(Connection connection, Node message);

        /** A receipt for a message we sent (delivered, read, retry…): the listener stores it, then acks it. */
        void onReceipt(Connection connection, Node receipt);

        /** The server holds only {@code count} of our one-time pre-keys. */
        void onPreKeysLow(Connection connection, int count);

        /** A contact's {@code <presence>} or {@code <chatstate>}. */
        default void onPresence(Connection connection, Node presence) {
        }

        /** A group changed ({@code <notification type="w:gp2">}, not acked yet: the listener acks it once stored). */
        default void onGroupNotification(Connection connection, Node notification) {
            connection.send(Stanza.ack(notification));
        }

        /** The phone answered a media retry ({@code <notification type="mediaretry">}, already acked). */
        default void onMediaRetry(Connection connection, Node notification) {
        }

        /** A user's devices changed ({@code <notification type="devices">}, already acked). */
        default void onDevicesChanged(Connection connection, Node notification) {
        }

        void onClosed(Connection connection, DisconnectReason reason, String detail);
    }

    /** Offline stanzas asked for per batch, as Baileys and WhatsApp Web ask. */
    static final int OFFLINE_BATCH = 100;

    private final Vertx vertx;
    private final ClientOptions options;
    private final Credentials credentials;
    private final Listener listener;
    private final Clock clock;
    private final IqTracker iqs;
    private final FrameDecoder frames;
    private final FrameEncoder frameEncoder;
    private final NodeEncoder encoder;
    private final NodeDecoder decoder;
    private State state = State.CONNECTING;
    private WebSocket socket;
    private ClientHandshake handshake;
    private TransportCipher transport;
    private DisconnectReason closeReason;
    private String closeDetail;
    private long handshakeTimer = -1;
    private long keepAliveTimer = -1;
    /** From the end of the handshake: the server must answer with success or pair-device (and 515 after a pairing) in time. */
    private long phaseTimer = -1;
    private long lastReceived;

    Connection(Vertx vertx, ClientOptions options, Credentials credentials, Listener listener, Clock clock) {
        this.vertx = vertx;
        this.options = options;
        this.credentials = credentials;
        this.listener = listener;
        this.clock = clock;
        this.iqs = new IqTracker(vertx, options.queryTimeout());
        this.frames = FrameDecoder.client(options.maxFrameSize());
        IntroHeader header = new IntroHeader(options.dictionaryVersion());
        this.frameEncoder = FrameEncoder.client(header);
        TokenDictionary dictionary = TokenDictionary.forVersion(options.dictionaryVersion());
        this.encoder = new NodeEncoder(dictionary);
        this.decoder = new NodeDecoder(dictionary);
        this.handshake = ClientHandshake.start(header, credentials.noiseKey(),
                new CertificateVerifier(options.trustRoot(), clock));
    }

    State state() {
        return state;
    }

    Credentials credentials() {
        return credentials;
    }

    void open() {
        WebSocketClient client = SocketClients.shared(vertx, options.maxFrameSize());
        WebSocketConnectOptions connect = new WebSocketConnectOptions()
                .setAbsoluteURI(options.url().toString())
                .addHeader("Origin", options.origin())
                .setTimeout(options.connectTimeout().toMillis())
                .setConnectTimeout(options.connectTimeout().toMillis());
        handshakeTimer = vertx.setTimer(options.connectTimeout().toMillis(),
                t -> fail(DisconnectReason.TIMED_OUT, "no handshake answer within " + options.connectTimeout()));
        client.connect(connect).onComplete(result -> {
            if (state == State.CLOSED) {
                if (result.succeeded()) {
                    result.result().close();
                }
                return;
            }
            if (result.failed()) {
                fail(DisconnectReason.CONNECTION_LOST, "cannot connect: " + result.cause().getMessage());
                return;
            }
            socket = result.result();
            socket.binaryMessageHandler(this::onData);
            socket.closeHandler(ignored -> fail(DisconnectReason.CONNECTION_LOST, "socket closed"));
            socket.exceptionHandler(error -> fail(DisconnectReason.CONNECTION_LOST, error.getMessage()));
            state = State.HANDSHAKING;
            lastReceived = clock.millis();
            writeFrame(handshake.clientHello());
        });
    }

    private void onData(Buffer data) {
        if (state == State.CLOSED) {
            return;
        }
        lastReceived = clock.millis();
        try {
            for (byte[] frame : frames.feed(data.getBytes())) {
                if (state == State.CLOSED) {
                    return;
                }
                onFrame(frame);
            }
        } catch (FrameException | NodeDecodeException | CryptoException e) {
            fail(DisconnectReason.PROTOCOL_ERROR, e.getMessage());
        } catch (HandshakeException e) {
            fail(e.failure() == HandshakeException.Failure.CERTIFICATE_REJECTED
                    ? DisconnectReason.CERTIFICATE_REJECTED : DisconnectReason.HANDSHAKE_FAILED, e.getMessage());
        } catch (RuntimeException | StackOverflowError e) {
            // Whatever the server's bytes provoke ends this connection with a typed reason, never the client's thread.
            fail(DisconnectReason.PROTOCOL_ERROR, "unexpected " + e.getClass().getSimpleName() + " while handling a frame");
        }
    }

    private void onFrame(byte[] frame) throws HandshakeException, CryptoException, NodeDecodeException {
        if (state == State.HANDSHAKING) {
            ClientHandshake.Finished finished = handshake.finish(frame, ClientPayloads.forCredentials(credentials, options));
            handshake = null;
            vertx.cancelTimer(handshakeTimer);
            writeFrame(finished.clientFinish());
            transport = finished.transport();
            state = credentials.isPaired() ? State.LOGGING_IN : State.AWAITING_SCAN;
            // As Baileys does: keepalive and the dead-connection check run from here, not from login.
            startKeepAlive();
            armPhaseTimer(credentials.isPaired() ? "success" : "pair-device");
            return;
        }
        onNode(decoder.decodeFrame(transport.decrypt(frame)));
    }

    private void onNode(Node node) {
        switch (node.tag()) {
            case "iq":
                onIq(node);
                return;
            case "success":
                if (state != State.LOGGING_IN) {
                    fail(DisconnectReason.PROTOCOL_ERROR, "unexpected success in state " + state);
                    return;
                }
                state = State.CONNECTED;
                cancelPhaseTimer();
                send(Stanza.iq(iqs.nextId(), "set", "passive", Node.of("active")));
                listener.onConnected(this, node.attribute("lid").orElse(null));
                return;
            case "stream:error":
                closeByServer(StreamErrors.reasonOf(node), StreamErrors.describe(node));
                return;
            case "failure":
                closeByServer(StreamErrors.reasonOfFailure(node), "failure " + node.attribute("reason").orElse("?"));
                return;
            // Acknowledged only once stored, by the listener. Before <success> nothing can be stored, so
            // nothing is acked either: WhatsApp hands such a stanza over again after the next login.
            case "message":
                if (state == State.CONNECTED) {
                    listener.onMessage(this, node);
                }
                return;
            case "receipt":
                if (state == State.CONNECTED) {
                    listener.onReceipt(this, node);
                }
                return;
            case "call":
                send(Stanza.ack(node));
                return;
            case "notification":
                if (state == State.CONNECTED && "w:gp2".equals(node.attribute("type").orElse(""))) {
                    // A group change: the listener stores it, then acknowledges it.
                    listener.onGroupNotification(this, node);
                    return;
                }
                send(Stanza.ack(node));
                onNotification(node);
                return;
            case "ib":
                onIb(node);
                return;
            case "ack":
                // The server's ack of a message we sent completes the send waiting on its id.
                iqs.complete(node);
                return;
            case "presence":
            case "chatstate":
                if (state == State.CONNECTED) {
                    listener.onPresence(this, node);
                }
                return;
            default:
                // nothing to answer
        }
    }

    private void onNotification(Node notification) {
        String type = notification.attribute("type").orElse("");
        if (state == State.CONNECTED && "encrypt".equals(type) && Stanza.SERVER.equals(notification.attribute("from").orElse(""))) {
            notification.child("count").flatMap(count -> count.attribute("value")).filter(value -> value.matches("[0-9]{1,6}"))
                    .ifPresent(value -> listener.onPreKeysLow(this, Integer.parseInt(value)));
            return;
        }
        if (state == State.CONNECTED && "mediaretry".equals(type)) {
            listener.onMediaRetry(this, notification);
            return;
        }
        if (state == State.CONNECTED && "devices".equals(type)) {
            listener.onDevicesChanged(this, notification);
            return;
        }
        if (state != State.AWAITING_SCAN) {
            return;
        }
        if ("companion_reg_refresh".equals(type)) {
            listener.onCompanionRefresh(this);
        } else if ("link_code_companion_reg".equals(type)) {
            listener.onLinkCodeFromPhone(this, notification);
        }
    }

    /** Server bulletins: the offline queue's preview is answered with a batch size, a dirty bit with its clean. */
    private void onIb(Node ib) {
        if (ib.child("offline_preview").isPresent()) {
            send(Node.withChildren("ib", Stanza.attrs(), java.util.List.of(Node.of("offline_batch",
                    Stanza.attrs("count", String.valueOf(OFFLINE_BATCH))))));
        }
        ib.child("dirty").ifPresent(dirty -> dirty.attribute("type").ifPresent(type -> {
            java.util.Map<String, String> attrs = Stanza.attrs("type", type);
            dirty.attribute("timestamp").ifPresent(timestamp -> attrs.put("timestamp", timestamp));
            Node clean = Stanza.iq(iqs.nextId(), "set", "urn:xmpp:whatsapp:dirty", Node.of("clean", attrs));
            query(clean).onFailure(error -> { });
        }));
    }

    private void onIq(Node iq) {
        String type = iq.attribute("type").orElse("");
        if (("result".equals(type) || "error".equals(type)) && iqs.complete(iq)) {
            return;
        }
        if (iq.child("pair-device").isPresent() && state == State.AWAITING_SCAN) {
            send(Stanza.result(iq));
            cancelPhaseTimer();
            listener.onPairDevice(this, iq);
        } else if (iq.child("pair-success").isPresent() && state == State.AWAITING_SCAN) {
            state = State.PAIRED;
            armPhaseTimer("the restart after pairing");
            listener.onPairSuccess(this, iq);
        } else if (iq.child("ping").isPresent() || "urn:xmpp:ping".equals(iq.attribute("xmlns").orElse(""))) {
            send(Stanza.result(iq));
        } else if ("get".equals(type) || "set".equals(type)) {
            send(Stanza.error(iq, 501, "feature-not-implemented"));
        }
    }

    Future<Node> query(Node iq) {
        Future<Node> answer = iqs.expect(iq.attribute("id").orElseThrow());
        send(iq);
        return answer;
    }

    String nextIqId() {
        return iqs.nextId();
    }

    void send(Node node) {
        if (state == State.CLOSED || transport == null) {
            return;
        }
        writeFrame(transport.encrypt(encoder.encodeFrame(node)));
    }

    private void writeFrame(byte[] payload) {
        socket.writeBinaryMessage(Buffer.buffer(frameEncoder.encode(payload)));
    }

    private void startKeepAlive() {
        keepAliveTimer = vertx.setPeriodic(options.keepAliveInterval().toMillis(), t -> {
            if (state == State.CLOSED) {
                return;
            }
            long silent = clock.millis() - lastReceived;
            if (silent > options.deadConnectionTimeout().toMillis()) {
                fail(DisconnectReason.CONNECTION_LOST, "nothing received for " + silent + " ms");
                return;
            }
            query(Stanza.iq(iqs.nextId(), "get", "w:p", Node.of("ping"))).onFailure(error -> { });
        });
    }

    private void armPhaseTimer(String awaited) {
        cancelPhaseTimer();
        long limit = options.connectTimeout().toMillis();
        phaseTimer = vertx.setTimer(limit, t -> fail(DisconnectReason.TIMED_OUT, "no " + awaited + " within " + limit + " ms"));
    }

    private void cancelPhaseTimer() {
        if (phaseTimer >= 0) {
            vertx.cancelTimer(phaseTimer);
            phaseTimer = -1;
        }
    }

    /** The server ended the stream: remember why, then close the socket. */
    private void closeByServer(DisconnectReason reason, String detail) {
        if (closeReason == null) {
            closeReason = reason;
            closeDetail = detail;
        }
        fail(reason, detail);
    }

    /** Ends the connection because of {@code reason} (a server's own reason, if it gave one, wins). */
    void fail(DisconnectReason reason, String detail) {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        DisconnectReason finalReason = closeReason != null ? closeReason : reason;
        String finalDetail = closeReason != null ? closeDetail : detail;
        vertx.cancelTimer(handshakeTimer);
        cancelPhaseTimer();
        if (keepAliveTimer >= 0) {
            vertx.cancelTimer(keepAliveTimer);
        }
        iqs.failAll("connection closed");
        if (handshake != null) {
            handshake.abort();
        }
        if (transport != null) {
            transport.wipe();
        }
        if (socket != null && !socket.isClosed()) {
            socket.close();
        }
        listener.onClosed(this, finalReason, finalDetail);
    }
}
