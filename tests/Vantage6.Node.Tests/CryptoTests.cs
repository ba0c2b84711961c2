using System.Security.Cryptography;
using System.Text;
using Vantage6.Common.Crypto;

namespace Vantage6.Node.Tests;

/// <summary>The test vectors of node-protocol §3.9 and round trips of both payload forms.</summary>
public class CryptoTests
{
    private const string Plain = "{\"method\": \"partial_average\", \"args\": [], \"kwargs\": {\"column_name\": \"age\"}}";

    internal const string TestKey = """
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

    [Fact]
    public void AesCtr_MatchesTheVector_IncludingTheFullCounterCarry()
    {
        var key = Convert.FromHexString("808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f");
        var iv = Convert.FromHexString("0102030405060708fffffffffffffffe");
        var expected = Convert.FromHexString(
            "5e563bcaaeffb51a6c699f9d3357a5adee7ee822cb3dfa27f0dcd1027a5d4f77d48e55e6c7f123bc" +
            "6426c35d9d4009d32815d25cc016dcc77038d287a98ef79ec2d8c1d21647ff556aba41");
        Assert.Equal(expected, AesCtr.Apply(key, iv, Encoding.UTF8.GetBytes(Plain)));
        // Chunked processing keeps the counter and keystream between calls.
        using var ctr = new AesCtr(key, iv);
        var data = Encoding.UTF8.GetBytes(Plain);
        ctr.Transform(data.AsSpan(0, 7));
        ctr.Transform(data.AsSpan(7, 30));
        ctr.Transform(data.AsSpan(37));
        Assert.Equal(expected, data);
    }

    [Fact]
    public void TextForm_DecryptsTheVector()
    {
        using var rsa = HybridCrypto.LoadPrivateKey(TestKey);
        const string cipher = "f9GFQ5I80mEEjQgbT1Ku/CiPZ4olWN/dlLeMnXtQ6djxDNbvO6hnVtJHcCkjmS3a0EaHE7WvcDbjjR95W1ejJoTZ5VM7kculO4tWuNqoVbs+Ggg2LZ+GWEFrJkSKnQkCq9CTmrr2jL4LNzwpzHukWAI/7So+kAZfh8rJczJYvHw=$AQIDBAUGBwj//////////g==$XlY7yq7/tRpsaZ+dM1elre5+6CLLPfon8NzRAnpdT3fUjlXmx/EjvGQmw12dQAnTKBXSXMAW3MdwONKHqY73nsLYwdIWR/9VarpB";
        Assert.Equal(Plain, Encoding.UTF8.GetString(HybridCrypto.DecryptText(cipher, rsa)));
    }

    [Fact]
    public void PublicKeyField_IsByteExact()
    {
        using var rsa = HybridCrypto.LoadPrivateKey(TestKey);
        Assert.Equal(
            "LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0KTUlHZk1BMEdDU3FHU0liM0RRRUJBUVVBQTRHTkFEQ0JpUUtCZ1FDd05WcDMvc08xN2tiZUZVZG9OWXVJakRFUgozSU9mODNPVmYxYUpqMy9WVE1ZNElMQ2djRU9QWVVld0ZFZTcyZjJFbWU0dWpWVml4OGRSUVJodHViSDRacDhpCkkzc04zT1lBTnR4c3lTVEhaeVBNb0c4ZC9OTmUxT3A5U0d1UDRQWnNVYWVqOG5LYXlzNDZTek9kK1lQVno3NGoKeG9JUm9uZlBxTWJOd0RjU1h3SURBUUFCCi0tLS0tRU5EIFBVQkxJQyBLRVktLS0tLQo=",
            HybridCrypto.PublicKeyField(rsa));
    }

    [Theory]
    [InlineData("8080", "HAYDQMA!")]
    [InlineData("http://proxyserver", "NB2HI4B2F4XXA4TPPB4XGZLSOZSXE!!!")]
    [InlineData("default", "MRSWMYLVNR2A!!!!")]
    [InlineData("", "")]
    public void EnvironmentEncoding_MatchesTheVectors(string value, string encoded)
    {
        Assert.Equal(encoded, EnvEncoding.Encode(value));
        Assert.Equal(value, EnvEncoding.Decode(encoded));
    }

    [Fact]
    public void TextAndBytesForms_RoundTrip_AndNewKeysLoadBack()
    {
        using var rsa = RSA.Create(2048);
        var data = Encoding.UTF8.GetBytes(Plain);
        var text = HybridCrypto.EncryptText(data, rsa);
        Assert.Equal(3, text.Split('$').Length);
        Assert.Equal(data, HybridCrypto.DecryptText(text, rsa));
        Assert.Equal(data, HybridCrypto.DecryptBytes(HybridCrypto.EncryptBytes(data, rsa), rsa));
        Assert.EndsWith("$", HybridCrypto.EncryptText([], rsa));
        using var publicOnly = HybridCrypto.ImportPublicKeyField(HybridCrypto.PublicKeyField(rsa));
        Assert.Equal(data, HybridCrypto.DecryptText(HybridCrypto.EncryptText(data, publicOnly), rsa));
        // A wrong key does not decrypt.
        using var other = RSA.Create(2048);
        Assert.ThrowsAny<CryptographicException>(() => HybridCrypto.DecryptText(text, other));
    }

    [Fact]
    public void NewPrivateKey_IsPkcs1Rsa4096()
    {
        var pem = HybridCrypto.NewPrivateKeyPem();
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----\n", pem);
        using var rsa = HybridCrypto.LoadPrivateKey(pem);
        Assert.Equal(4096, rsa.KeySize);
        Assert.Equal(800, Encoding.ASCII.GetByteCount(HybridCrypto.PublicKeyPem(rsa)));
        Assert.StartsWith("LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K", HybridCrypto.PublicKeyField(rsa));
    }
}
