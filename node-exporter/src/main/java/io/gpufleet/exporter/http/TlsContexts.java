package io.gpufleet.exporter.http;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/** Builds an {@link SSLContext} from PEM files, the form cert-manager and Kubernetes secrets hand out. */
public final class TlsContexts {
    private TlsContexts() {}

    private static final Pattern KEY = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----(.*?)-----END PRIVATE KEY-----", Pattern.DOTALL);

    /**
     * @param certPem certificate chain, leaf first
     * @param keyPem  PKCS#8 private key ({@code BEGIN PRIVATE KEY}); RSA or EC. Convert a PKCS#1
     *                ({@code BEGIN RSA PRIVATE KEY}) key with {@code openssl pkcs8 -topk8 -nocrypt}.
     */
    public static SSLContext fromPem(Path certPem, Path keyPem) throws IOException, GeneralSecurityException {
        List<Certificate> chain = new ArrayList<>(CertificateFactory.getInstance("X.509")
                .generateCertificates(new ByteArrayInputStream(Files.readAllBytes(certPem))));
        if (chain.isEmpty()) throw new GeneralSecurityException("no certificate in " + certPem);
        String keyText = Files.readString(keyPem, StandardCharsets.US_ASCII);
        Matcher m = KEY.matcher(keyText);
        if (!m.find()) {
            throw new GeneralSecurityException(keyPem + " holds no PKCS#8 key (BEGIN PRIVATE KEY); convert it with "
                    + "'openssl pkcs8 -topk8 -nocrypt -in key.pem -out key-pkcs8.pem'");
        }
        byte[] der = Base64.getMimeDecoder().decode(m.group(1));
        PrivateKey key = null;
        GeneralSecurityException last = null;
        for (String alg : new String[]{"RSA", "EC", "Ed25519"}) {
            try {
                key = KeyFactory.getInstance(alg).generatePrivate(new PKCS8EncodedKeySpec(der));
                break;
            } catch (GeneralSecurityException e) {
                last = e;
            }
        }
        if (key == null) throw new GeneralSecurityException("unsupported private key in " + keyPem, last);
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] pw = new char[0];
        ks.setKeyEntry("gpufleet", key, pw, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, pw);
        SSLContext ctx = SSLContext.getInstance("TLS");
        ctx.init(kmf.getKeyManagers(), null, null);
        return ctx;
    }
}
