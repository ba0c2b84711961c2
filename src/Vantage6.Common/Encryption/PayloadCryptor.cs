using System.Security.Cryptography;
using System.Text;

namespace Vantage6.Common.Encryption;

/// <summary>
/// The vantage6 hybrid payload encryption (RSA PKCS#1 v1.5 wrapping a random AES-256-CTR key) in its
/// text form <c>base64(EK)$base64(IV)$base64(C)</c> for JSON fields and its bytes form
/// <c>base64(EK)$base64(IV)$</c> + raw ciphertext for blobs, plus the base64 wrapping of unencrypted
/// collaborations. See <c>../shared/spec/node-protocol.md</c> §3.
/// </summary>
public static class PayloadCryptor
{
    private const char Separator = '$';
    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

    /// <summary>Text form of <paramref name="plaintext"/> for the holder of <paramref name="publicKey"/>.</summary>
    public static string EncryptText(ReadOnlySpan<byte> plaintext, RSA publicKey)
    {
        var (header, key, iv) = NewHeader(publicKey);
        return header + Convert.ToBase64String(AesCtr.Transform(key, iv, plaintext));
    }

    /// <summary>Bytes (blob) form of <paramref name="plaintext"/>: the ASCII header followed by the raw ciphertext.</summary>
    public static byte[] EncryptBytes(ReadOnlySpan<byte> plaintext, RSA publicKey)
    {
        var (header, key, iv) = NewHeader(publicKey);
        var headerBytes = Encoding.ASCII.GetBytes(header);
        var result = new byte[headerBytes.Length + plaintext.Length];
        headerBytes.CopyTo(result, 0);
        using var ctr = new AesCtr(key, iv);
        ctr.Transform(plaintext, result.AsSpan(headerBytes.Length));
        return result;
    }

    /// <summary>
    /// Decrypts the text form. Accepts the raw-key form written by Python and C# components and the
    /// base64-wrapped key and payload written by the web UI (§3.3, recommended decryptor).
    /// </summary>
    public static byte[] DecryptText(string ciphertext, RSA privateKey)
    {
        var parts = ciphertext.Split(Separator, 3);
        if (parts.Length != 3) throw new CryptographicException("Encrypted payload does not have three '$'-separated parts.");
        byte[] ek, iv, c;
        try
        {
            ek = Convert.FromBase64String(parts[0]);
            iv = Convert.FromBase64String(parts[1]);
            c = Convert.FromBase64String(parts[2]);
        }
        catch (FormatException e) { throw new CryptographicException("Encrypted payload is not valid base64.", e); }
        var plain = AesCtr.Transform(UnwrapKey(privateKey.Decrypt(ek, RSAEncryptionPadding.Pkcs1)), iv, c);
        return UnwrapPayload(plain);
    }

    /// <summary>Decrypts the bytes (blob) form: header up to the second <c>$</c>, then raw ciphertext.</summary>
    public static byte[] DecryptBytes(ReadOnlySpan<byte> blob, RSA privateKey)
    {
        int first = blob.IndexOf((byte)Separator);
        int second = first < 0 ? -1 : blob[(first + 1)..].IndexOf((byte)Separator);
        if (second < 0) throw new CryptographicException("Encrypted blob has no '$'-separated header.");
        second += first + 1;
        byte[] ek, iv;
        try
        {
            ek = Convert.FromBase64String(Encoding.ASCII.GetString(blob[..first]));
            iv = Convert.FromBase64String(Encoding.ASCII.GetString(blob[(first + 1)..second]));
        }
        catch (FormatException e) { throw new CryptographicException("Encrypted blob header is not valid base64.", e); }
        return AesCtr.Transform(UnwrapKey(privateKey.Decrypt(ek, RSAEncryptionPadding.Pkcs1)), iv, blob[(second + 1)..]);
    }

    /// <summary>True when a text payload is in the encrypted form (base64 never contains <c>$</c>).</summary>
    public static bool IsEncryptedText(string payload) => payload.Contains(Separator);

    /// <summary>
    /// True when blob content is in the encrypted bytes form: its start (the RSA block and IV, at most a
    /// few KiB) holds a <c>$</c>; unencrypted blobs are base64 text without one.
    /// </summary>
    public static bool IsEncryptedBytes(ReadOnlySpan<byte> blob) => blob[..Math.Min(blob.Length, 4096)].IndexOf((byte)Separator) >= 0;

    /// <summary>Unencrypted collaborations: the base64 text of the plaintext.</summary>
    public static string EncodeUnencrypted(ReadOnlySpan<byte> plaintext) => Convert.ToBase64String(plaintext);

    /// <summary>Unencrypted collaborations: base64-decodes a payload.</summary>
    public static byte[] DecodeUnencrypted(string payload)
    {
        try { return Convert.FromBase64String(payload); }
        catch (FormatException e) { throw new CryptographicException("Payload is not valid base64.", e); }
    }

    private static (string Header, byte[] Key, byte[] Iv) NewHeader(RSA publicKey)
    {
        // A key that happens to be valid UTF-8 would be "unwrapped" as base64 by Python decryptors.
        byte[] key;
        do key = RandomNumberGenerator.GetBytes(32); while (IsUtf8(key));
        var iv = RandomNumberGenerator.GetBytes(16);
        var ek = publicKey.Encrypt(key, RSAEncryptionPadding.Pkcs1);
        return (Convert.ToBase64String(ek) + Separator + Convert.ToBase64String(iv) + Separator, key, iv);
    }

    private static byte[] UnwrapKey(byte[] decrypted)
    {
        if (decrypted.Length == 32 && !IsUtf8(decrypted)) return decrypted;
        if (IsUtf8(decrypted))
        {
            try
            {
                var inner = Convert.FromBase64String(Encoding.ASCII.GetString(decrypted));
                if (inner.Length == 32) return inner;
            }
            catch (FormatException) { }
        }
        if (decrypted.Length == 32) return decrypted;
        throw new CryptographicException($"Decrypted AES key has {decrypted.Length} bytes instead of 32.");
    }

    private static byte[] UnwrapPayload(byte[] plain)
    {
        string text;
        try { text = StrictUtf8.GetString(plain); }
        catch (DecoderFallbackException) { return plain; }
        if (IsJson(text)) return plain;
        try { return Convert.FromBase64String(text); }
        catch (FormatException) { return plain; }
    }

    private static bool IsJson(string text)
    {
        try { using var _ = System.Text.Json.JsonDocument.Parse(text); return true; }
        catch (System.Text.Json.JsonException) { return false; }
    }

    private static bool IsUtf8(byte[] bytes)
    {
        try { StrictUtf8.GetString(bytes); return true; }
        catch (DecoderFallbackException) { return false; }
    }
}
