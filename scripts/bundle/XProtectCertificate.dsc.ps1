<#
  A DSC configuration (CertificateDsc) that installs one server's bundle, shown in the README. Compile it on the
  machine that holds the bundle; the PFX travels as base64 Content in the MOF, so encrypt MOFs with a
  certificate (ConfigurationData CertificateFile) or use Path with a share only that server can read.
  PfxImport does not let the service account read the key: the Script resource does. The slots are switched on
  afterwards by the installer (-Bundle; it reports what DSC did as done) or the manifest's slot commands.

    . .\XProtectCertificate.dsc.ps1
    XProtectCertificate -Manifest D:\bundle\rec01\rec01.json -ConfigurationData $config -OutputPath .\mof
#>
Configuration XProtectCertificate {
  param(
    [Parameter(Mandatory = $true)] [string] $Manifest
  )
  Import-DscResource -ModuleName PSDesiredStateConfiguration
  Import-DscResource -ModuleName CertificateDsc

  $m = Get-Content -LiteralPath $Manifest -Raw -Encoding UTF8 | ConvertFrom-Json
  $folder = Split-Path -Parent $Manifest
  $pfxContent = [Convert]::ToBase64String([IO.File]::ReadAllBytes((Join-Path $folder $m.pfxFile)))
  $password = ConvertTo-SecureString -String $m.pfxPassword -AsPlainText -Force
  $credential = New-Object System.Management.Automation.PSCredential('pfx', $password)
  $thumbprint = $m.thumbprint
  $account = $m.serviceAccount

  Node $m.hostname {
    foreach ($ca in $m.trustedCaCertificates) {
      CertificateImport "Root_$($ca.thumbprint)" {
        Thumbprint = $ca.thumbprint
        Content    = $ca.certificateDer
        Location   = 'LocalMachine'
        Store      = 'Root'
        Ensure     = 'Present'
      }
    }

    PfxImport ServerCertificate {
      Thumbprint = $m.thumbprint
      Content    = $pfxContent
      Credential = $credential
      Location   = 'LocalMachine'
      Store      = 'My'
      Exportable = $false
      Ensure     = 'Present'
    }

    # What PfxImport lacks: the service account reads the key. The key file is found by its unique name in
    # both folders (legacy CSP keys: RSA\MachineKeys; CNG keys: Keys), as the installer does.
    Script ServiceAccountReadsKey {
      DependsOn  = '[PfxImport]ServerCertificate'
      GetScript  = { @{ Result = "$using:account on the key of $using:thumbprint" } }
      TestScript = {
        $cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$using:thumbprint"
        $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
        $unique = if ($key.PSObject.Properties['Key']) { $key.Key.UniqueName } else { $key.CspKeyContainerInfo.UniqueKeyContainerName }
        $file = @('RSA\MachineKeys', 'Keys') | ForEach-Object { Join-Path $env:ProgramData "Microsoft\Crypto\$_\$unique" } |
          Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
        $sid = (New-Object System.Security.Principal.NTAccount($using:account)).Translate([System.Security.Principal.SecurityIdentifier])
        $rules = (Get-Acl -LiteralPath $file).Access | Where-Object {
          $_.AccessControlType -eq 'Allow' -and ($_.FileSystemRights -band 'Read') -eq 'Read' -and
          $_.IdentityReference.Translate([System.Security.Principal.SecurityIdentifier]) -eq $sid
        }
        return @($rules).Count -gt 0
      }
      SetScript  = {
        $cert = Get-Item -LiteralPath "Cert:\LocalMachine\My\$using:thumbprint"
        $key = [System.Security.Cryptography.X509Certificates.RSACertificateExtensions]::GetRSAPrivateKey($cert)
        $unique = if ($key.PSObject.Properties['Key']) { $key.Key.UniqueName } else { $key.CspKeyContainerInfo.UniqueKeyContainerName }
        $file = @('RSA\MachineKeys', 'Keys') | ForEach-Object { Join-Path $env:ProgramData "Microsoft\Crypto\$_\$unique" } |
          Where-Object { Test-Path -LiteralPath $_ } | Select-Object -First 1
        if (-not $file) { throw "Key file $unique of $using:thumbprint found in neither RSA\MachineKeys nor Keys." }
        $sid = (New-Object System.Security.Principal.NTAccount($using:account)).Translate([System.Security.Principal.SecurityIdentifier])
        $acl = Get-Acl -LiteralPath $file
        $acl.AddAccessRule((New-Object System.Security.AccessControl.FileSystemAccessRule($sid, 'Read', 'Allow')))
        Set-Acl -LiteralPath $file -AclObject $acl
      }
    }
  }
}
