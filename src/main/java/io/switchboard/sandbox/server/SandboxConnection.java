package io.switchboard.sandbox.server;

import io.switchboard.protocol.binary.Node;
import io.switchboard.protocol.binary.NodeDecodeException;
import io.switchboard.protocol.binary.NodeDecoder;
import io.switchboard.protocol.binary.NodeEncoder;
import io.switchboard.protocol.binary.TokenDictionary;
import io.switchboard.protocol.crypto.CryptoException;
import io.switchboard.protocol.noise.FrameDecoder;
import io.switchboard.protocol.noise.FrameEncoder;
import io.switchboard.protocol.noise.FrameException;
import io.switchboard.protocol.noise.IntroHeader;
import io.switchboard.protocol.noise.TransportCipher;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import java.util.List;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * One client's WebSocket to the sandbox. Everything here runs on the socket's own Vert.x context;
 * the server and the admin API reach it through {@link #run}.
 */
final class SandboxConnection {

    enum State { AWAITING_HELLO, AWAITING_FINISH, PAIRING, AWAITING_PAIR_SIGN, CONNECTED, CLOSED }

    private static final Logger LOG = Logger.getLogger(SandboxConnection.class.getName());
    static final int MAX_FRAME = 1 << 20;

    private final SandboxServer server;
    private final ServerWebSocket socket;
    private final Runnable cut;
    private final Context context;
    private final FrameDecoder frames = FrameDecoder.server(MAX_FRAME);
    private final FrameEncoder frameEncoder = FrameEncoder.server();
    private State state = State.AWAITING_HELLO;
    private ServerHandshake handshake;
    private static final int MAX_EARLY_FRAMES = 16;
    private final List<byte[]> early = new java.util.ArrayList<>();
    private TransportCipher transport;
    private NodeEncoder encoder;
    private NodeDecoder decoder;
    private Registration registration;
    private byte[] clientNoiseKey;
    private Pairing pairing;
    private PhonePairing phone;
    private Promise<LinkedDevice> scanResult;
    private CodeLinking codeLinking;
    private Promise<LinkedDevice> codeResult;
    LinkedDevice device;
    final Transcript transcript = new Transcript();
    /** The WhatsApp Web version a logged-in device announced. */
    long[] version;
    /** Messages and receipts handed to this device and not yet acknowledged by it. */
    final Unacknowledged unacked = new Unacknowledged();

    /** The token dictionary the client announced: 2 (Baileys 6) gets 1:1 messages PN-addressed, later ones LID-addressed. */
    int dictionaryVersion;
    final LoggedInHandlers handlers;

    SandboxConnection(SandboxServer server, ServerWebSocket socket, Runnable cut, Context context) {
        this.server = server;
        this.socket = socket;
        this.cut = cut;
        this.context = context;
        this.handlers = new LoggedInHandlers(this, server);
        socket.binaryMessageHandler(this::onData);
        socket.textMessageHandler(text -> { });
        socket.closeHandler(ignored -> onClosed());
        socket.exceptionHandler(error -> LOG.log(Level.FINE, "sandbox socket error", error));
    }

    State state() {
        return state;
    }

    void run(Runnable action) {
        context.runOnContext(ignored -> action.run());
    }

    private void onData(Buffer data) {
        if (state == State.CLOSED) {
            return;
        }
        try {
            onFrames(frames.feed(data.getBytes()));
        } catch (FrameException e) {
            LOG.fine(() -> "sandbox closes a connection: " + e.getMessage());
            server.observations().rejected(true);
            closeNow();
        }
    }

    /** Frames in order, each one's failure ending this connection only. */
    private void onFrames(List<byte[]> received) {
        try {
            for (byte[] frame : received) {
                onFrame(frame);
                if (state == State.CLOSED) {
                    return;
                }
            }
        } catch (SandboxProtocolException | NodeDecodeException | CryptoException e) {
            LOG.fine(() -> "sandbox closes a connection: " + e.getMessage());
            server.observations().rejected(true);
            closeNow();
        } catch (RuntimeException | StackOverflowError e) {
            // Whatever a peer's bytes provoke ends that peer's connection only, never the server.
            LOG.log(java.util.logging.Level.WARNING, "sandbox closes a connection after an unexpected " + e.getClass().getSimpleName(), e);
            server.observations().rejected(false);
            closeNow();
        }
    }

    private void onFrame(byte[] frame) throws SandboxProtocolException, NodeDecodeException, CryptoException {
        switch (state) {
            case AWAITING_HELLO:
                IntroHeader header = frames.header();
                if (!TokenDictionary.isSupported(header.dictionaryVersion())) {
                    throw new SandboxProtocolException("unsupported dictionary version " + header.dictionaryVersion());
                }
                TokenDictionary dictionary = TokenDictionary.forVersion(header.dictionaryVersion());
                dictionaryVersion = header.dictionaryVersion();
                encoder = new NodeEncoder(dictionary);
                decoder = new NodeDecoder(dictionary);
                handshake = new ServerHandshake(header, server.identity());
                writeFrame(handshake.serverHello(frame));
                state = State.AWAITING_FINISH;
                return;
            case AWAITING_FINISH:
                if (handshake == null) {
                    // Sent before the server answered the handshake (its first frame waits firstFrameDelay): kept, in order.
                    if (early.size() >= MAX_EARLY_FRAMES) {
                        throw new SandboxProtocolException("more than " + MAX_EARLY_FRAMES + " frames before the server's first");
                    }
                    early.add(frame);
                    return;
                }
                ServerHandshake.Result result = handshake.clientFinish(frame);
                handshake = null;
                transport = result.transport();
                clientNoiseKey = result.clientNoiseKey();
                recordPayload(result.clientPayload());
                PayloadCheck.Outcome outcome = PayloadCheck.check(result.clientPayload(), result.clientNoiseKey(),
                        server.webVersions());
                afterFirstFrameDelay(() -> {
                    start(outcome);
                    List<byte[]> kept = List.copyOf(early);
                    early.clear();
                    if (!kept.isEmpty() && state != State.CLOSED && state != State.AWAITING_FINISH) {
                        onFrames(kept);
                    }
                });
                return;
            default:
                onNode(decoder.decodeFrame(transport.decrypt(frame)));
        }
    }

    private void recordPayload(byte[] payload) {
        try {
            transcript.payload(io.switchboard.protocol.proto.ClientPayload.parseFrom(payload));
        } catch (com.google.protobuf.InvalidProtocolBufferException e) {
            // PayloadCheck refuses it next.
        }
    }

    private void start(PayloadCheck.Outcome outcome) {
        if (outcome instanceof PayloadCheck.Outdated) {
            closeWith(Stanzas.failure(405));
        } else if (outcome instanceof PayloadCheck.Register) {
            registration = ((PayloadCheck.Register) outcome).registration();
            pairing = server.startPairing(this);
            state = State.PAIRING;
            send(pairing.pairDevice());
            long refreshAfter = server.options().companionRefreshAfter().toMillis();
            if (refreshAfter > 0) {
                server.vertx().setTimer(refreshAfter, id -> run(() -> {
                    if (state == State.PAIRING) {
                        // A new adv secret is due: a device that does not redraw its QR can no longer be linked by it.
                        send(Stanzas.companionRefresh());
                        server.observations().companionRefreshSent();
                    }
                }));
            }
            pairing.onExhausted(() -> {
                if (state == State.PAIRING) {
                    LOG.info("sandbox: QR refs exhausted, ending the stream");
                    closeNow();
                }
            });
        } else {
            PayloadCheck.Login login = (PayloadCheck.Login) outcome;
            LinkedDevice known = server.loginAllowed(login.phone(), login.device(), clientNoiseKey);
            if (known == null) {
                closeWith(Stanzas.failure(401));
                return;
            }
            if (server.router().unreachable(known.deviceJid())) {
                // No network: the login never arrives; to the device it is a connection that broke.
                cut();
                return;
            }
            device = known;
            version = login.version();
            state = State.CONNECTED;
            server.online(this);
            handlers.onLogin();
        }
    }


    /** Called by the server when the phone scans one of this connection's refs. */
    void scanned(PhonePairing pairingByPhone, QrText qr, Promise<LinkedDevice> result) {
        if (state != State.PAIRING) {
            result.fail(new SandboxException(SandboxException.Kind.EXPIRED_REF, "the device is no longer waiting for a scan"));
            return;
        }
        if (!java.util.Arrays.equals(qr.noiseKey(), registration.noiseKey())
                || !java.util.Arrays.equals(qr.identityKey(), registration.identityKey())) {
            result.fail(new SandboxException(SandboxException.Kind.BAD_QR, "QR keys do not match the device that showed it"));
            return;
        }
        if (!qr.platformAgreesWith(registration.platformType())) {
            result.fail(new SandboxException(SandboxException.Kind.BAD_QR, "the QR names companion platform " + qr.platform()
                    + " but the device registered as " + registration.platformType()));
            return;
        }
        phone = pairingByPhone;
        transcript.phone(phone.account.phone);
        scanResult = result;
        state = State.AWAITING_PAIR_SIGN;
        pairing.cancel();
        send(phone.pairSuccess(server.now()));
    }

    private void onNode(Node node) throws SandboxProtocolException {
        transcript.received(node);
        if ((state == State.PAIRING || state == State.AWAITING_PAIR_SIGN) && Stanzas.isPing(node)) {
            // WhatsApp answers keepalive pings while a device is linking too.
            send(Stanzas.result(node, List.of()));
            return;
        }
        if (state == State.PAIRING) {
            Node reg = Stanzas.linkCodeRequest(node);
            if (reg != null) {
                onLinkCodeRequest(node, reg);
            }
            // Otherwise the device acknowledges pair-device; nothing else is expected before a scan.
            return;
        }
        if (state == State.AWAITING_PAIR_SIGN) {
            if ("iq".equals(node.tag()) && phone.iqId.equals(node.attribute("id").orElse(""))) {
                String problem = phone.verifySignAnswer(node);
                if (problem != null) {
                    scanResult.fail(new SandboxException(SandboxException.Kind.PAIRING_FAILED, problem));
                    closeNow();
                    return;
                }
                LinkedDevice linked = server.link(phone, registration);
                scanResult.complete(linked);
                closeWith(Stanzas.streamError(515));
            }
            return;
        }
        handlers.handle(node);
    }

    private void onLinkCodeRequest(Node iq, Node reg) throws SandboxProtocolException {
        String stage = reg.attribute("stage").orElse("");
        if ("companion_hello".equals(stage)) {
            codeLinking = CodeLinking.hello(reg, registration);
            if (codeResult != null) {
                codeResult.tryFail(new SandboxException(SandboxException.Kind.PAIRING_FAILED, "the device asked for a new code"));
                codeResult = null;
            }
            server.codeRequested(this, codeLinking.phone);
            send(codeLinking.helloAnswer(iq));
            return;
        }
        if (!"companion_finish".equals(stage)) {
            throw new SandboxProtocolException("link_code_companion_reg stage '" + stage + "' is unknown");
        }
        if (codeLinking == null || !codeLinking.awaitsFinish() || codeResult == null) {
            send(Stanzas.error(iq, 400, "bad-request"));
            return;
        }
        send(Stanzas.result(iq, List.of()));
        Promise<LinkedDevice> result = codeResult;
        codeResult = null;
        byte[] advSecret;
        try {
            advSecret = codeLinking.finish(reg, registration);
        } catch (SandboxException wrongCode) {
            // The device keeps waiting: the right code can still be typed.
            result.fail(wrongCode);
            return;
        }
        phone = new PhonePairing(codeLinking.account, registration.identityKey(), advSecret, server.now());
        transcript.phone(phone.account.phone);
        scanResult = result;
        state = State.AWAITING_PAIR_SIGN;
        pairing.cancel();
        send(phone.pairSuccess(server.now()));
    }

    /** A person typed {@code code} on the phone {@code account} to link the device that asked for it. */
    void codeTyped(Account account, String code, Promise<LinkedDevice> result) {
        if (state != State.PAIRING || codeLinking == null || !codeLinking.phone.equals(account.phone)) {
            result.fail(new SandboxException(SandboxException.Kind.EXPIRED_REF, "the device is no longer waiting for a code"));
            return;
        }
        Node notification;
        try {
            notification = codeLinking.typed(account, code);
        } catch (SandboxException e) {
            result.fail(e);
            return;
        }
        if (codeResult != null) {
            codeResult.tryFail(new SandboxException(SandboxException.Kind.PAIRING_FAILED, "another code was typed"));
        }
        codeResult = result;
        send(notification);
    }

    /**
     * A relayed 1:1 message as this client expects it: Baileys 6 (dictionary 2) PN-addressed with
     * {@code sender_lid}; later clients LID-addressed, {@code from} the sender's LID device, with {@code sender_pn}.
     */
    void deliver(Node message) {
        unacked.handedOver(message);
        String from = message.attribute("from").orElse("");
        String lid = "message".equals(message.tag()) && dictionaryVersion > 2 ? server.lidDeviceJid(from) : null;
        if (lid == null) {
            send(message);
            return;
        }
        java.util.Map<String, String> attrs = new java.util.LinkedHashMap<>(message.attributes());
        attrs.put("from", lid);
        attrs.remove("sender_lid");
        attrs.put("sender_pn", server.phoneOf(from) + Stanzas.SERVER);
        send(Node.withChildren("message", attrs, message.children()));
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

    void closeWith(Node goodbye) {
        send(goodbye);
        closeNow();
    }

    void closeNow() {
        if (state == State.CLOSED) {
            return;
        }
        markClosed();
        socket.close();
    }

    /** Cuts the connection with no goodbye, like a network loss. */
    void cut() {
        markClosed();
        cut.run();
    }

    private void onClosed() {
        markClosed();
    }

    private void markClosed() {
        if (state == State.CLOSED) {
            return;
        }
        state = State.CLOSED;
        if (pairing != null) {
            pairing.cancel();
        }
        if (codeResult != null) {
            codeResult.tryFail(new SandboxException(SandboxException.Kind.PAIRING_FAILED, "device disconnected while pairing"));
        }
        if (scanResult != null) {
            scanResult.tryFail(new SandboxException(SandboxException.Kind.PAIRING_FAILED, "device disconnected while pairing"));
        }
        if (transport != null) {
            transport.wipe();
        }
        List<Node> waiting = unacked.takeAll();
        if (device != null && !waiting.isEmpty()) {
            server.router().requeue(device.deviceJid(), waiting);
        }
        server.offline(this);
        server.observations().keepTranscript(transcript.view());
    }

    private void afterFirstFrameDelay(Runnable action) {
        long delay = server.options().firstFrameDelay().toMillis();
        if (delay <= 0) {
            action.run();
        } else {
            server.vertx().setTimer(delay, id -> run(() -> {
                if (state != State.CLOSED) {
                    action.run();
                }
            }));
        }
    }
}
