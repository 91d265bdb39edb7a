package io.switchboard.protocol.client;

import io.vertx.core.Future;

/** Where the client saves credentials the moment pairing creates them, before acknowledging it. */
@FunctionalInterface
public interface CredentialsStore {

    Future<Void> save(Credentials credentials);
}
