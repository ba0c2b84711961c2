using System.Security.Cryptography;
using System.Text;
using Vantage6.Common.Encryption;

namespace Vantage6.Common.Tests;

/// <summary>Payload encryption against the independently generated vectors of node-protocol §3.9.</summary>
public class PayloadCryptorTests
{
    private const string Plain = "{\"method\": \"partial_average\", \"args\": [], \"kwargs\": {\"column_name\": \"age\"}}";

    private const string TestKeyPem = """
        -----BEGIN RSA PRIVATE KEY-----
        MIICXQIBAAKBgQCwNVp3/sO17kbeFUdoNYuIjDER3IOf83OVf1aJj3/VTMY4ILCg
        cEOPYUewFEe72f2Eme4ujVVix8dRQRhtubH4Zp8iI3sN3OYANtxsySTHZyPMoG8d
        /NNe1Op9SGuP4PZsUaej8nKays46SzOd+YPVz74jxoIRonfPqMbNwDcSXwIDAQAB
        AoGAdFsG3m3wtlYdndDXUkzpUsWgMXc3w4tzK6jmb/e+Jg+IZM/RUmBPfIJ0YCVE
        KRuNeN5clYjmdVAOoe0mQG56wb+VYV2QNK7BId5LGnRs2jBY2p/fzecCgnGwHEGm
        6qqb0rQTnaDOSmcSJgpK8+aqfCiL3x6LcPq6hxZyXBqqSoECQQDiISjfxDnkvb2b
        yc6iGZf05wIsp1OSvSIB70P4GJe6hqPmg3frAjJVLWuDl2T8riIkf9y7qYPU+ZFD
        3JdVivcRAkEAx3wNK6oJhdXFP1pPN/dXT0tTTzVJy1v2DLmxLOgoJsbgDron4r1c
        ntIQy1fNdSRuuS4YOXf95pn9FMNMCarSbwJBAKgTjZYE/CMRBQXuki/aZiAaNHuM
        Q4omGkjl1tdpMB3sRZbo0RFUqKS3BdrhhKZrp+UJRMAX121NsrOGGtXyXIECQFoj
        9hea+D6fwEfGWTGi9LMCCJ0sKTJZVa+eYS83oJ0VFL3S5J8Sjj2+EpSwEkkys02+
        RHgDfpmrT68IKN3dcMUCQQCxylHJOajGzMrlPibsGxHIW00nG31FgNf2/fDE4Kkc
        VZmODo7uTH8HYmDGbuHVxSSOBGo+Z7yAAKl/rvUl5t0I
        -----END RSA PRIVATE KEY-----
        """;

    private const string TestKeyField =
        "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUlHZk1BMEdDU3FHU0liM0RRRUJBUVVBQTRHTkFEQ0JpUUtCZ1FDd05WcDMvc08xN2tiZUZVZG9OWXVJakRFUgozSU9mODNPVmYxYUpqMy9WVE1ZNElMQ2djRU9QWVVld0ZFZTcyZjJFbWU0dWpWVml4OGRSUVJodHViSDRacDhpCkkzc04zT1lBTnR4c3lTVEhaeVBNb0c4ZC9OTmUxT3A5U0d1UDRQWnNVYWVqOG5LYXlzNDZTek9kK1lQVno3NGoKeG9JUm9uZlBxTWJOd0RjU1h3SURBUUFCCi0tLS0tRU5EIFBVQkxJQyBLRVktLS0tLQo=";

    private const string TestCiphertext =
        "f9GFQ5I80mEEjQgbT1Ku/CiPZ4olWN/dlLeMnXtQ6djxDNbvO6hnVtJHcCkjmS3a0EaHE7WvcDbjjR95W1ejJoTZ5VM7kculO4tWuNqoVbs+Ggg2LZ+GWEFrJkSKnQkCq9CTmrr2jL4LNzwpzHukWAI/7So+kAZfh8rJczJYvHw=$AQIDBAUGBwj//////////g==$XlY7yq7/tRpsaZ+dM1elre5+6CLLPfon8NzRAnpdT3fUjlXmx/EjvGQmw12dQAnTKBXSXMAW3MdwONKHqY73nsLYwdIWR/9VarpB";

    [Fact]
    public void AesCtr_MatchesTheVector_IncludingTheCounterCarry()
    {
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var iv = Convert.FromHexString("0102030405060708fffffffffffffffe");
        var c = AesCtr.Transform(key, iv, Encoding.UTF8.GetBytes(Plain));
        Assert.Equal("5e563bcaaeffb51a6c699f9d3357a5adee7ee822cb3dfa27f0dcd1027a5d4f77d48e55e6c7f123bc" +
                     "6426c35d9d4009d32815d25cc016dcc77038d287a98ef79ec2d8c1d21647ff556aba41", Convert.ToHexString(c).ToLowerInvariant());

        // Chunked processing keeps the counter and keystream between calls.
        using var ctr = new AesCtr(key, iv);
        var chunked = new byte[c.Length];
        var plain = Encoding.UTF8.GetBytes(Plain);
        ctr.Transform(plain.AsSpan(0, 7), chunked.AsSpan(0, 7));
        ctr.Transform(plain.AsSpan(7, 30), chunked.AsSpan(7, 30));
        ctr.Transform(plain.AsSpan(37), chunked.AsSpan(37));
        Assert.Equal(c, chunked);
    }

    [Fact]
    public void PublicKeyField_IsRenderedByteForByteAsThePythonComponentsDo()
    {
        using var key = RsaKeys.FromPrivateKeyPem(TestKeyPem);
        Assert.Equal(TestKeyField, RsaKeys.PublicKeyField(key));
        using var pub = RsaKeys.FromPublicKeyField(TestKeyField);
        Assert.Equal(key.ExportSubjectPublicKeyInfo(), pub.ExportSubjectPublicKeyInfo());
    }

    [Fact]
    public void DecryptText_ReadsTheVector()
    {
        using var key = RsaKeys.FromPrivateKeyPem(TestKeyPem);
        Assert.True(PayloadCryptor.IsEncryptedText(TestCiphertext));
        Assert.Equal(Plain, Encoding.UTF8.GetString(PayloadCryptor.DecryptText(TestCiphertext, key)));
    }

    [Fact]
    public void TextAndBytesForms_RoundTrip_AndTheKeyFileRoundTrips()
    {
        using var key = RsaKeys.FromPrivateKeyPem(TestKeyPem);
        using var reread = RsaKeys.FromPrivateKeyPem(RsaKeys.ToPrivateKeyPem(key));
        var plain = Encoding.UTF8.GetBytes(Plain);

        var text = PayloadCryptor.EncryptText(plain, reread);
        var parts = text.Split('$');
        Assert.Equal(3, parts.Length);
        Assert.Equal(24, parts[1].Length);
        Assert.Equal(plain, PayloadCryptor.DecryptText(text, key));
        Assert.EndsWith("$", PayloadCryptor.EncryptText([], key));
        Assert.Empty(PayloadCryptor.DecryptText(PayloadCryptor.EncryptText([], key), key));

        var blob = PayloadCryptor.EncryptBytes(plain, key);
        Assert.True(PayloadCryptor.IsEncryptedBytes(blob));
        Assert.False(PayloadCryptor.IsEncryptedBytes(Encoding.ASCII.GetBytes(PayloadCryptor.EncodeUnencrypted(plain))));
        Assert.Equal(plain, PayloadCryptor.DecryptBytes(blob, key));
    }

    [Fact]
    public void UiForms_WithBase64WrappedKeyAndPayload_AreUnwrapped()
    {
        using var key = RsaKeys.FromPrivateKeyPem(TestKeyPem);
        var aes = RandomNumberGenerator.GetBytes(32);
        var iv = RandomNumberGenerator.GetBytes(16);
        var wrappedKey = Encoding.ASCII.GetBytes(Convert.ToBase64String(aes));
        var wrappedPayload = Encoding.ASCII.GetBytes(Convert.ToBase64String(Encoding.UTF8.GetBytes(Plain)));
        var text = Convert.ToBase64String(key.Encrypt(wrappedKey, RSAEncryptionPadding.Pkcs1)) + "$" + Convert.ToBase64String(iv) + "$" +
                   Convert.ToBase64String(AesCtr.Transform(aes, iv, wrappedPayload));
        Assert.Equal(Plain, Encoding.UTF8.GetString(PayloadCryptor.DecryptText(text, key)));
    }

    [Fact]
    public void WrongKeyOrMalformedText_FailsWithCryptographicException()
    {
        using var key = RsaKeys.FromPrivateKeyPem(TestKeyPem);
        using var other = RSA.Create(1024);
        Assert.ThrowsAny<CryptographicException>(() => PayloadCryptor.DecryptText(TestCiphertext, other));
        Assert.ThrowsAny<CryptographicException>(() => PayloadCryptor.DecryptText("abc$def", key));
        Assert.ThrowsAny<CryptographicException>(() => RsaKeys.FromPrivateKeyPem("not a key"));
        Assert.ThrowsAny<CryptographicException>(() => PayloadCryptor.DecodeUnencrypted("%%%"));
    }
}
