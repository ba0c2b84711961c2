using System.Text;
using Vantage6.Common.Encryption;

namespace Vantage6.Common.Tests;

/// <summary>The environment-variable encoding vectors of node-protocol §3.9 and the shape of new organization keys.</summary>
public class EnvEncodingAndKeyTests
{
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
    public void NewPrivateKey_IsPkcs1Rsa4096()
    {
        var pem = RsaKeys.NewPrivateKeyPem();
        Assert.StartsWith("-----BEGIN RSA PRIVATE KEY-----\n", pem);
        using var rsa = RsaKeys.FromPrivateKeyPem(pem);
        Assert.Equal(4096, rsa.KeySize);
        Assert.Equal(800, Encoding.ASCII.GetByteCount(RsaKeys.PublicKeyPem(rsa)));
        Assert.StartsWith("LS0tLS1CRUdJTiBQVUJMSUMgS0VZLS0tLS0K", RsaKeys.PublicKeyField(rsa));
    }
}
