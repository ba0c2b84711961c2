using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Vantage6.Common.Crypto;

/// <summary>
/// The payload encryption of vantage6 (node-protocol §3): RSA PKCS#1 v1.5 wraps a random AES-256 key, AES-256-CTR
/// encrypts the payload. Text form <c>base64(EK)$base64(IV)$base64(C)</c>; bytes form with a raw ciphertext tail.
/// Unencrypted collaborations use plain base64 (§3.5).
/// </summary>
public static class HybridCrypto
{
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Text form for a recipient's public key (§3.3); the raw 32-byte key is wrapped, never a UTF-8-valid one.</summary>
    public static string EncryptText(ReadOnlySpan<byte> plaintext, RSA recipient)
    {
        var (key, iv, wrapped) = NewKey(recipient);
        var cipher = AesCtr.Apply(key, iv, plaintext);
        return $"{Convert.ToBase64String(wrapped)}${Convert.ToBase64String(iv)}${Convert.ToBase64String(cipher)}";
    }

    /// <summary>Bytes form (§3.4): ASCII header up to the second <c>$</c>, then the raw ciphertext.</summary>
    public static byte[] EncryptBytes(ReadOnlySpan<byte> plaintext, RSA recipient)
    {
        var (key, iv, wrapped) = NewKey(recipient);
        var header = Encoding.ASCII.GetBytes($"{Convert.ToBase64String(wrapped)}${Convert.ToBase64String(iv)}$");
        var cipher = AesCtr.Apply(key, iv, plaintext);
        return [.. header, .. cipher];
    }

    /// <summary>Decrypts the text form, accepting the Python and the web-UI variants (§3.3 recommended decryptor).</summary>
    public static byte[] DecryptText(string text, RSA own)
    {
        var parts = text.Split('$');
        if (parts.Length != 3) throw new CryptographicException("Encrypted text must have three '$'-separated parts");
        var key = UnwrapKey(own.Decrypt(Convert.FromBase64String(parts[0]), RSAEncryptionPadding.Pkcs1));
        var plain = AesCtr.Apply(key, Convert.FromBase64String(parts[1]), Convert.FromBase64String(parts[2]));
        if (IsUtf8Json(plain)) return plain;
        try { return Convert.FromBase64String(Encoding.ASCII.GetString(plain)); }
        catch (FormatException) { return plain; }
    }

    /// <summary>Decrypts the bytes form (no payload unwrapping).</summary>
    public static byte[] DecryptBytes(ReadOnlySpan<byte> data, RSA own)
    {
        var first = data.IndexOf((byte)'$');
        if (first < 0) throw new CryptographicException("Encrypted blob has no header");
        var second = data[(first + 1)..].IndexOf((byte)'$');
        if (second < 0) throw new CryptographicException("Encrypted blob has an incomplete header");
        second += first + 1;
        var key = UnwrapKey(own.Decrypt(Convert.FromBase64String(Encoding.ASCII.GetString(data[..first])), RSAEncryptionPadding.Pkcs1));
        var iv = Convert.FromBase64String(Encoding.ASCII.GetString(data[(first + 1)..second]));
        return AesCtr.Apply(key, iv, data[(second + 1)..]);
    }

    /// <summary>Unencrypted text form: base64 of the plaintext.</summary>
    public static string EncodePlain(ReadOnlySpan<byte> plaintext) => Convert.ToBase64String(plaintext);

    public static byte[] DecodePlain(string text) => Convert.FromBase64String(text);

    /// <summary>The SubjectPublicKeyInfo PEM with LF line ends and a trailing LF (§3.2), byte-exact with Python.</summary>
    public static string PublicKeyPem(RSA key) =>
        key.ExportSubjectPublicKeyInfoPem().Replace("\r\n", "\n").TrimEnd('\n') + "\n";

    /// <summary>The organization <c>public_key</c> field: base64 of <see cref="PublicKeyPem"/>.</summary>
    public static string PublicKeyField(RSA key) => Convert.ToBase64String(Encoding.ASCII.GetBytes(PublicKeyPem(key)));

    /// <summary>Reads an organization <c>public_key</c> field (base64 of a PEM).</summary>
    public static RSA ImportPublicKeyField(string field)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(Encoding.ASCII.GetString(Convert.FromBase64String(field)));
        return rsa;
    }

    /// <summary>A new organization key: RSA-4096, e = 65537, rendered as a PKCS#1 PEM (what Python writes).</summary>
    public static string NewPrivateKeyPem()
    {
        using var rsa = RSA.Create(4096);
        return rsa.ExportRSAPrivateKeyPem().Replace("\r\n", "\n").TrimEnd('\n') + "\n";
    }

    /// <summary>Loads a PKCS#1 or PKCS#8 PEM private key.</summary>
    public static RSA LoadPrivateKey(string pem)
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(pem);
        return rsa;
    }

    private static (byte[] Key, byte[] Iv, byte[] Wrapped) NewKey(RSA recipient)
    {
        byte[] key;
        do key = RandomNumberGenerator.GetBytes(32);
        while (IsUtf8(key));
        var iv = RandomNumberGenerator.GetBytes(16);
        return (key, iv, recipient.Encrypt(key, RSAEncryptionPadding.Pkcs1));
    }

    private static byte[] UnwrapKey(byte[] decrypted)
    {
        if (decrypted.Length == 32 && !IsUtf8(decrypted)) return decrypted;
        try
        {
            var unwrapped = Convert.FromBase64String(Encoding.ASCII.GetString(decrypted));
            if (unwrapped.Length == 32) return unwrapped;
        }
        catch (FormatException) { }
        if (decrypted.Length == 32) return decrypted;
        throw new CryptographicException("Decrypted key is not a 32-byte AES key");
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try { StrictUtf8.GetString(bytes); return true; }
        catch (DecoderFallbackException) { return false; }
    }

    private static bool IsUtf8Json(byte[] bytes)
    {
        if (!IsUtf8(bytes)) return false;
        try { using var _ = JsonDocument.Parse(bytes); return true; }
        catch (JsonException) { return false; }
    }
}
