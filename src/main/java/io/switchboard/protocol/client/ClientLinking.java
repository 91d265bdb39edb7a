package io.switchboard.protocol.client;

import io.switchboard.protocol.binary.Node;
import io.vertx.core.Future;
import io.vertx.core.Handler;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Becoming and staying a linked device: QR pairing (refs, redrawn QR codes, the pair-success
 * signature checks), linking by a code typed on the phone, the login that follows, and the pre-keys
 * others start sessions with (uploaded when low, the signed one rotated when old).
 */
abstract class ClientLinking extends ClientCore {

    ClientLinking(Vertx vertx, ClientOptions options, Credentials credentials, CredentialsStore store, SignalStore signal,
            Handler<ClientEvent> events, Clock clock) {
        super(vertx, options, credentials, store, signal, events, clock);
    }

    /**
     * Asks WhatsApp to link this unpaired device to {@code phone} (digits, country code first) by a
     * code typed on that phone instead of a QR scan. Possible once the QR is on show; asking again
     * replaces the previous code.
     */
    public Future<PairingCode> requestPairingCode(String phone) {
        if (phone == null || !phone.matches("[1-9][0-9]{6,14}")) {
            return Future.failedFuture(new IllegalArgumentException("phone must be 7 to 15 digits, country code first"));
        }
        Promise<PairingCode> done = Promise.promise();
        context.runOnContext(ignored -> {
            Connection current = connection;
            if (state != State.RUNNING || current == null || current.state() != Connection.State.AWAITING_SCAN
                    || shownQr == null) {
                done.fail(new IllegalStateException("not waiting for a phone to link this device"));
                return;
            }
            // PBKDF2 with 131,072 rounds: off the event loop.
            vertx.<LinkCode.Hello>executeBlocking(() -> LinkCode.Hello.of(LinkCode.fresh())).onComplete(made -> {
                if (made.failed() || current != connection || current.state() != Connection.State.AWAITING_SCAN) {
                    done.fail(made.failed() ? made.cause() : new IllegalStateException("the linking ended meanwhile"));
                    return;
                }
                LinkCode.Hello hello = made.result();
                Node request = Stanza.iq(current.nextIqId(), "set", "md", Node.withChildren("link_code_companion_reg",
                        Stanza.attrs("jid", phone + Stanza.SERVER, "stage", "companion_hello",
                                "should_show_push_notification", "true"), List.of(
                                Node.withBytes("link_code_pairing_wrapped_companion_ephemeral_pub", Stanza.attrs(), hello.wrapped()),
                                Node.withBytes("companion_server_auth_key_pub", Stanza.attrs(), credentials.noiseKey().publicKey()),
                                Node.withBytes("companion_platform_id", Stanza.attrs(), utf8(qrPlatformId())),
                                Node.withBytes("companion_platform_display", Stanza.attrs(),
                                        utf8(options.platformType().name().charAt(0)
                                                + options.platformType().name().substring(1).toLowerCase() + " (" + options.browserOs() + ")")),
                                Node.withBytes("link_code_pairing_nonce", Stanza.attrs(), new byte[] {0}))));
                current.query(request).onComplete(answer -> {
                    if (answer.failed()) {
                        done.fail(answer.cause());
                        return;
                    }
                    if (current != connection) {
                        done.fail(new IllegalStateException("the linking ended meanwhile"));
                        return;
                    }
                    linkCode = hello.code();
                    linkPhone = phone;
                    done.complete(new PairingCode(linkCode.display(), pairingEndsAt));
                });
            });
        });
        return done.future();
    }

    // ---- Connection.Listener (called on our context) ---------------------------------------------

    @Override
    public void onPairDevice(Connection from, Node iq) {
        List<String> refs = new ArrayList<>();
        iq.child("pair-device").ifPresent(pairDevice -> pairDevice.children().forEach(ref ->
                ref.bytes().ifPresent(bytes -> refs.add(new String(bytes, StandardCharsets.UTF_8)))));
        if (refs.isEmpty()) {
            from.fail(DisconnectReason.PROTOCOL_ERROR, "pair-device without refs");
            return;
        }
        pairingEndsAt = clock.instant().plus(options.firstQrLifetime())
                .plus(options.laterQrLifetime().multipliedBy(refs.size() - 1L));
        showQr(from, refs, 0);
    }

    void showQr(Connection from, List<String> refs, int index) {
        if (from != connection || from.state() != Connection.State.AWAITING_SCAN) {
            return;
        }
        if (index >= refs.size()) {
            from.fail(DisconnectReason.QR_REFS_EXHAUSTED, "all " + refs.size() + " QR codes expired unscanned");
            return;
        }
        long lifetime = (index == 0 ? options.firstQrLifetime() : options.laterQrLifetime()).toMillis();
        Instant expiresAt = clock.instant().plusMillis(lifetime);
        shownRef = refs.get(index);
        shownQr = new ClientEvent.QrCode(qrText(shownRef), expiresAt, index, refs.size());
        events.handle(shownQr);
        qrTimers.add(vertx.setTimer(lifetime, t -> showQr(from, refs, index + 1)));
    }

    String qrText(String ref) {
        Base64.Encoder b64 = Base64.getEncoder();
        return QR_LINK_PREFIX + ref + "," + b64.encodeToString(credentials.noiseKey().publicKey()) + ","
                + b64.encodeToString(credentials.identityKey().publicKey()) + ","
                + b64.encodeToString(credentials.advSecret()) + "," + qrPlatformId();
    }

    /**
     * The companion platform in the QR's fifth field and in a link-code request, agreeing with the
     * DeviceProps platform announced at registration (WhatsApp's PairClient ids).
     */
    String qrPlatformId() {
        switch (options.platformType()) {
            case CHROME: return "1";
            case EDGE: return "2";
            case FIREFOX: return "3";
            case IE: return "4";
            case OPERA: return "5";
            case SAFARI: return "6";
            case DESKTOP: return "7";
            case UWP: return "8";
            default: return "9";
        }
    }

    private static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void onPreKeysLow(Connection from, int count) {
        if (from == connection && count < PreKeyUpload.MINIMUM) {
            uploadPreKeys(from);
        }
    }

    @Override
    public void onCompanionRefresh(Connection from) {
        if (from != connection || shownQr == null) {
            return;
        }
        // A new advertising secret: a QR drawn before no longer links; the same ref, redrawn, does.
        credentials = credentials.withAdvSecret(Credentials.newAdvSecret());
        shownQr = new ClientEvent.QrCode(qrText(shownRef), shownQr.expiresAt(), shownQr.index(), shownQr.total());
        events.handle(shownQr);
    }

    @Override
    public void onLinkCodeFromPhone(Connection from, Node notification) {
        LinkCode code = linkCode;
        Node reg = notification.child("link_code_companion_reg").orElse(null);
        if (from != connection || code == null || reg == null) {
            return;
        }
        byte[] ref = reg.child("link_code_pairing_ref").flatMap(Node::bytes).orElse(null);
        byte[] primaryIdentity = reg.child("primary_identity_pub").flatMap(Node::bytes).orElse(null);
        byte[] wrapped = reg.child("link_code_pairing_wrapped_primary_ephemeral_pub").flatMap(Node::bytes).orElse(null);
        if (ref == null || primaryIdentity == null || wrapped == null) {
            from.fail(DisconnectReason.PROTOCOL_ERROR, "link-code notification without ref, identity or wrapped key");
            return;
        }
        io.switchboard.protocol.crypto.KeyPair identity = credentials.identityKey();
        vertx.<LinkCode.Finish>executeBlocking(() -> code.finish(wrapped, primaryIdentity, identity)).onComplete(done -> {
            if (from != connection || from.state() != Connection.State.AWAITING_SCAN) {
                return;
            }
            if (done.failed()) {
                from.fail(DisconnectReason.PROTOCOL_ERROR, "link-code notification unusable: " + done.cause().getMessage());
                return;
            }
            // The phone signs pair-success with the secret both sides now derive; the QR's is void.
            credentials = credentials.withAdvSecret(done.result().advSecret());
            Node finish = Stanza.iq(from.nextIqId(), "set", "md", Node.withChildren("link_code_companion_reg",
                    Stanza.attrs("jid", linkPhone + Stanza.SERVER, "stage", "companion_finish"), List.of(
                            Node.withBytes("link_code_pairing_wrapped_key_bundle", Stanza.attrs(), done.result().wrappedKeyBundle()),
                            Node.withBytes("companion_identity_public", Stanza.attrs(), identity.publicKey()),
                            Node.withBytes("link_code_pairing_ref", Stanza.attrs(), ref))));
            from.query(finish).onFailure(error -> { });
        });
    }

    @Override
    public void onPairSuccess(Connection from, Node iq) {
        cancelQrTimers();
        PairingVerifier.Verified verified;
        try {
            verified = PairingVerifier.verify(iq, credentials);
        } catch (PairingVerifier.Rejected rejected) {
            from.send(Stanza.error(iq, rejected.errorCode, rejected.errorText));
            from.fail(DisconnectReason.PAIRING_REJECTED, rejected.getMessage());
            return;
        }
        // Stored before the phone hears back: a crash now cannot lose a linked device.
        store.save(verified.credentials()).onComplete(saved -> context.runOnContext(ignored -> {
            if (saved.failed()) {
                from.fail(DisconnectReason.PAIRING_REJECTED, "credentials could not be stored: " + saved.cause().getMessage());
                return;
            }
            credentials = verified.credentials();
            from.send(verified.reply());
            events.handle(new ClientEvent.Paired(credentials));
        }));
    }

    @Override
    public void onConnected(Connection from, String lid) {
        restarts = 0;
        // Device changes announced while we were away were not seen: every list is asked for again.
        deviceLists.forgetAll();
        events.handle(new ClientEvent.Connected(credentials.account().map(Credentials.Account::deviceJid).orElse(null), lid));
        maintainPreKeys(from);
        rotateSignedPreKeyIfOld(from);
    }

    /**
     * Replaces a signed pre-key older than {@link PreKeyUpload#SIGNED_PRE_KEY_LIFETIME}: the new one
     * is stored (the old one kept as the previous) before the server hears of it; if the server
     * refuses the rotation, a full upload carries the new key instead.
     */
    void rotateSignedPreKeyIfOld(Connection from) {
        Instant now = clock.instant();
        if (Instant.ofEpochSecond(credentials.signedPreKey().createdAt()).plus(PreKeyUpload.SIGNED_PRE_KEY_LIFETIME).isAfter(now)) {
            return;
        }
        serialized(() -> {
            Credentials updated = credentials.withRotatedSignedPreKey(now);
            return store.save(updated).transform(saved -> onContextFuture(() -> {
                if (saved.failed() || from != connection) {
                    return Future.<Void>succeededFuture();
                }
                credentials = updated;
                from.query(PreKeyUpload.rotate(from.nextIqId(), updated.signedPreKey())).onSuccess(answer -> {
                    if (answer.attribute("type").filter("error"::equals).isPresent() && from == connection) {
                        uploadPreKeys(from);
                    }
                });
                return Future.<Void>succeededFuture();
            }));
        });
    }

    /**
     * Tops up one-time pre-keys when the server runs low. New keys are stored before they are
     * uploaded, so the server never holds a key whose private half we could lose.
     */
    void maintainPreKeys(Connection from) {
        from.query(PreKeyUpload.countQuery(from.nextIqId())).onSuccess(answer -> {
            if (from == connection && PreKeyUpload.countOf(answer) < PreKeyUpload.MINIMUM) {
                uploadPreKeys(from);
            }
        });
    }

    /** A batch of new one-time pre-keys, stored, then uploaded; in the Signal lane, which also hands keys out. */
    void uploadPreKeys(Connection from) {
        serialized(() -> {
            Credentials updated = credentials.withNewPreKeys(PreKeyUpload.BATCH);
            List<Credentials.PreKey> fresh = updated.preKeys().subList(updated.preKeys().size() - PreKeyUpload.BATCH,
                    updated.preKeys().size());
            return store.save(updated).transform(saved -> onContextFuture(() -> {
                if (saved.succeeded() && from == connection) {
                    credentials = updated;
                    from.query(PreKeyUpload.upload(from.nextIqId(), updated, fresh));
                }
                return Future.<Void>succeededFuture();
            }));
        });
    }
}
